#include "client/sim/workloads_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/sim/generator.h"

ABSL_FLAG(std::string, family, "", "generate: a workload family, or all (required)");
ABSL_FLAG(int, count, 1, "generate: workloads per family, in [1, 100000]");
ABSL_FLAG(uint64_t, seed, 1, "generate: seed of the first workload of each family");
ABSL_FLAG(std::string, out, "",
          "generate: output directory, created when missing (required)");

namespace streamtune::sim {
namespace {

absl::StatusOr<GenerateOptions> GenerateOptionsFromFlags() {
  GenerateOptions options;
  options.family = absl::GetFlag(FLAGS_family);
  options.count = absl::GetFlag(FLAGS_count);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.out_dir = absl::GetFlag(FLAGS_out);
  if (options.count < 1 || options.count > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--count: must be an integer in [1, 100000], got \"", options.count, "\""));
  }
  if (options.family.empty()) return absl::InvalidArgumentError("--family: required");
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out: required");
  if (options.family == "all") return options;
  for (const std::string& family : WorkloadFamilies()) {
    if (family == options.family) return options;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--family: unknown family \"", options.family, "\" (known: all, ",
                   absl::StrJoin(WorkloadFamilies(), ", "), ")"));
}

// validate and families take no flag.
absl::Status NoGenerateFlags(const std::string& command) {
  const GenerateOptions defaults;
  const char* given = !absl::GetFlag(FLAGS_family).empty()           ? "family"
                      : absl::GetFlag(FLAGS_count) != defaults.count ? "count"
                      : absl::GetFlag(FLAGS_seed) != defaults.seed   ? "seed"
                      : !absl::GetFlag(FLAGS_out).empty()            ? "out"
                                                                     : nullptr;
  if (given == nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(command, ": --", given, " applies to generate only"));
}

}  // namespace

absl::StatusOr<WorkloadsCommand> WorkloadsCommandFromFlags(
    const std::vector<std::string>& positional) {
  if (positional.empty()) return absl::InvalidArgumentError("a command is required");
  WorkloadsCommand command;
  command.name = positional[0];
  const std::vector<std::string> rest(positional.begin() + 1, positional.end());
  if (command.name == "generate") {
    if (!rest.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("generate: unexpected argument \"", rest[0], "\""));
    }
    absl::StatusOr<GenerateOptions> options = GenerateOptionsFromFlags();
    if (!options.ok()) return options.status();
    command.generate = *std::move(options);
    return command;
  }
  if (command.name != "validate" && command.name != "families") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command \"", command.name, "\""));
  }
  if (absl::Status status = NoGenerateFlags(command.name); !status.ok()) return status;
  if (command.name == "families" && !rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("families: unexpected argument \"", rest[0], "\""));
  }
  if (command.name == "validate" && rest.empty()) {
    return absl::InvalidArgumentError("validate: at least one FILE is required");
  }
  command.files = rest;
  return command;
}

}  // namespace streamtune::sim
