#include "common/cli_flags.h"

#include <cstdint>
#include <cstdio>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace streamtune {
namespace {

// What absl::ParseCommandLine handles itself (help and version output)
// unless a flag of the binary has the name (streamtunectl's --version).
bool IsUsageFlag(absl::string_view name) {
  for (absl::string_view usage :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
        "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

// How an error describes a value of the flag's type.
std::string Expected(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "true or false";
  if (flag.IsOfType<uint64_t>() || flag.IsOfType<uint32_t>()) {
    return "a non-negative integer";
  }
  if (flag.IsOfType<int>() || flag.IsOfType<int64_t>()) return "an integer";
  if (flag.IsOfType<double>()) return "a number";
  if (flag.IsOfType<absl::Duration>()) return "a duration such as 10s or 500ms";
  return "a valid value";
}

// One flag of argv, `text` without its leading dashes; `next` is the
// following argument (nullptr at the end). Advances *i past a separate value.
absl::Status CheckFlag(absl::string_view text, const char* next, int* i) {
  const size_t eq = text.find('=');
  const absl::string_view name = text.substr(0, eq);
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr && IsUsageFlag(name)) return absl::OkStatus();
  if (flag == nullptr) {
    // --nofoo negates the bool flag foo.
    absl::CommandLineFlag* negated = absl::StartsWith(name, "no")
                                         ? absl::FindCommandLineFlag(name.substr(2))
                                         : nullptr;
    if (negated != nullptr && negated->IsOfType<bool>() &&
        eq == absl::string_view::npos) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  }
  std::string value;
  if (eq != absl::string_view::npos) {
    value = std::string(text.substr(eq + 1));
  } else if (flag->IsOfType<bool>()) {
    return absl::OkStatus();
  } else if (next == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
  } else {
    value = next;
    ++*i;
  }
  // Sets the flag as the parse below will; the parse then sets it again.
  std::string error;
  if (!flag->ParseFrom(value, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": want ", Expected(*flag), ", got \"", value, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

void InitFlags(absl::string_view usage, absl::string_view flags_file) {
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  const std::string file(flags_file);
  // The client tools' shared connection flags are theirs too.
  config.contains_help_flags = [file](absl::string_view path) {
    return absl::StrContains(path, file) ||
           absl::StrContains(path, "client/connection_flags.cc");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  // The flags' file relative to the repository, not the build machine's path.
  config.normalize_filename = [file](absl::string_view path) {
    const size_t at = path.find(file);
    return std::string(at == absl::string_view::npos ? path : path.substr(at));
  };
  absl::SetFlagsUsageConfig(config);
}

absl::StatusOr<std::vector<std::string>> ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // Positional.
    const absl::string_view text = arg.substr(absl::StartsWith(arg, "--") ? 2 : 1);
    const absl::Status status =
        CheckFlag(text, i + 1 < argc ? argv[i + 1] : nullptr, &i);
    if (!status.ok()) return status;
  }
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  return std::vector<std::string>(rest.begin() + (rest.empty() ? 0 : 1), rest.end());
}

absl::Status RequireCommand(const std::vector<std::string>& positional,
                            absl::string_view command) {
  if (!positional.empty() && positional[0] == command) return absl::OkStatus();
  const std::string only = absl::StrCat(" (only \"", command, "\" exists)");
  return absl::InvalidArgumentError(
      positional.empty()
          ? absl::StrCat("missing command", only)
          : absl::StrCat("unknown command \"", positional[0], "\"", only));
}

absl::Status RequireNoArguments(const std::vector<std::string>& positional) {
  if (positional.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("unexpected argument \"", positional.front(), "\""));
}

std::string UsageErrorText(absl::string_view program, const absl::Status& status) {
  return absl::StrCat(program, ": ", status.message(), "\nrun '", program,
                      " --help' for usage\n");
}

int UsageError(absl::string_view program, const absl::Status& status) {
  std::fputs(UsageErrorText(program, status).c_str(), stderr);
  return kExitUsage;
}

}  // namespace streamtune
