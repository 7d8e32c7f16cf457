#include "client/cli/args.h"

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace streamtune {
namespace cli {
namespace {

struct CommandSpec {
  const char* name;
  const char* synopsis;     // after "streamtunectl [GLOBAL FLAGS] "
  const char* description;  // one or more lines, each indented by the caller
  const char* positional;   // name of the one positional argument, or nullptr
};

constexpr CommandSpec kCommands[] = {
    {"health", "health [--wait=DURATION]",
     "Prints the server's health (SERVING, NOT_SERVING, ...); exits 0 only\n"
     "when SERVING. --wait polls until SERVING for at most DURATION.",
     nullptr},
    {"recommend", "recommend --snapshot FILE.json [--policy NAME]",
     "Sends the snapshot (a streamtune.v1.Snapshot in protobuf JSON) and\n"
     "prints the recommendation. The server stores the snapshot.",
     nullptr},
    {"report", "report --snapshot FILE.json",
     "Stores the snapshot without asking for advice.", nullptr},
    {"jobs", "jobs [--start_time T] [--end_time T] [--page_size N] [--page_token T] [--all]",
     "Lists the tenant's jobs; --all follows page tokens to the last page.\n"
     "--start_time/--end_time keep the jobs observed in [start, end): an\n"
     "RFC 3339 time (2026-11-23T10:00:00Z) or a duration ago (90m, 24h).",
     nullptr},
    {"recommendations",
     "recommendations JOB [--start_time T] [--end_time T] [--page_size N] [--page_token T] "
     "[--all]",
     "Lists the job's recommendations, oldest first; --start_time/--end_time\n"
     "keep those made in [start, end) (RFC 3339, or a duration ago such as\n"
     "1h); --all follows page tokens to the last page.",
     "JOB"},
    {"job", "job JOB", "Prints one job's summary.", "JOB"},
    {"history", "history JOB [--page_size N]",
     "Prints every stored snapshot and recommendation of the job, oldest\n"
     "first, following page tokens.",
     "JOB"},
    {"models", "models", "Lists the tenant's models (every page).", nullptr},
    {"model", "model ID [--version N]",
     "Prints one model's metadata; version 0 (default) is the newest.", "ID"},
    {"pretrain", "pretrain [--seed N] [--max_training_steps N]",
     "Clusters the stored history and pre-trains one model per cluster "
     "(--max_training_steps bounds the steps per model: a quick, weaker run).",
     nullptr},
};

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

absl::Status Bad(const Invocation& inv, absl::string_view message) {
  if (inv.command.name.empty()) return absl::InvalidArgumentError(message);
  return absl::InvalidArgumentError(
      absl::StrCat(inv.command.name, ": ", message));
}

absl::Status ParseInt(absl::string_view flag, absl::string_view value,
                      int64_t min, int64_t max, int64_t* out) {
  if (!absl::SimpleAtoi(value, out) || *out < min || *out > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": want an integer in [", min, ", ", max,
                     "], got \"", value, "\""));
  }
  return absl::OkStatus();
}

// "10s", "500ms", "1m30s" (absl::ParseDuration), or plain seconds ("2.5").
absl::Status ParseDurationFlag(absl::string_view flag, absl::string_view value,
                               bool allow_zero, absl::Duration* out) {
  double seconds = 0;
  bool ok = absl::ParseDuration(value, out);
  if (!ok && absl::SimpleAtod(value, &seconds)) {
    *out = absl::Seconds(seconds);
    ok = true;
  }
  if (!ok || *out < absl::ZeroDuration() || *out == absl::InfiniteDuration() ||
      (!allow_zero && *out == absl::ZeroDuration())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": want a ", allow_zero ? "" : "positive ",
        "duration such as 10s or 500ms, got \"", value, "\""));
  }
  return absl::OkStatus();
}

// An RFC 3339 time ("2026-11-23T10:00:00Z") or a duration before now
// ("90m", "24h").
absl::Status ParseTimeFlag(absl::string_view flag, absl::string_view value,
                           std::optional<absl::Time>* out) {
  absl::Time time;
  std::string error;
  absl::Duration ago;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    *out = time;
    return absl::OkStatus();
  }
  if (absl::ParseDuration(value, &ago) && ago >= absl::ZeroDuration() &&
      ago != absl::InfiniteDuration()) {
    *out = absl::Now() - ago;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": want an RFC 3339 time such as 2026-11-23T10:00:00Z or a "
                   "duration ago such as 1h, got \"",
                   value, "\""));
}

struct FlagSpec {
  const char* name;
  bool takes_value;
  // Commands that accept the flag, space-separated; "" for a global flag.
  const char* commands;
  absl::Status (*apply)(absl::string_view value, Invocation* out);
};

constexpr FlagSpec kFlags[] = {
    {"server", true, "",
     [](absl::string_view v, Invocation* out) {
       out->global.server = std::string(v);
       return absl::OkStatus();
     }},
    {"tenant", true, "",
     [](absl::string_view v, Invocation* out) {
       out->global.tenant = std::string(v);
       return absl::OkStatus();
     }},
    {"timeout", true, "",
     [](absl::string_view v, Invocation* out) {
       return ParseDurationFlag("timeout", v, false, &out->global.timeout);
     }},
    {"wait", true, "health",
     [](absl::string_view v, Invocation* out) {
       return ParseDurationFlag("wait", v, true, &out->command.wait);
     }},
    {"snapshot", true, "recommend report",
     [](absl::string_view v, Invocation* out) {
       out->command.snapshot_path = std::string(v);
       return absl::OkStatus();
     }},
    {"policy", true, "recommend",
     [](absl::string_view v, Invocation* out) {
       out->command.policy = std::string(v);
       return absl::OkStatus();
     }},
    {"page_size", true, "jobs history recommendations",
     [](absl::string_view v, Invocation* out) {
       int64_t n = 0;
       absl::Status s = ParseInt("page_size", v, 0, 1000, &n);
       out->command.page_size = static_cast<int32_t>(n);
       return s;
     }},
    {"page_token", true, "jobs recommendations",
     [](absl::string_view v, Invocation* out) {
       out->command.page_token = std::string(v);
       return absl::OkStatus();
     }},
    {"all", false, "jobs recommendations",
     [](absl::string_view v, Invocation* out) {
       out->command.all_pages = true;
       return absl::OkStatus();
     }},
    {"start_time", true, "jobs recommendations",
     [](absl::string_view v, Invocation* out) {
       return ParseTimeFlag("start_time", v, &out->command.start_time);
     }},
    {"end_time", true, "jobs recommendations",
     [](absl::string_view v, Invocation* out) {
       return ParseTimeFlag("end_time", v, &out->command.end_time);
     }},
    {"version", true, "model",
     [](absl::string_view v, Invocation* out) {
       return ParseInt("version", v, 0, INT64_MAX, &out->command.version);
     }},
    {"seed", true, "pretrain",
     [](absl::string_view v, Invocation* out) {
       return ParseInt("seed", v, INT64_MIN, INT64_MAX, &out->command.seed);
     }},
    {"max_training_steps", true, "pretrain",
     [](absl::string_view v, Invocation* out) {
       return ParseInt("max_training_steps", v, 0, 1000000,
                       &out->command.max_training_steps);
     }},
};

const FlagSpec* FindFlag(absl::string_view name) {
  for (const FlagSpec& spec : kFlags) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

bool FlagAllowed(const FlagSpec& flag, absl::string_view command) {
  if (*flag.commands == '\0') return true;
  for (absl::string_view c : absl::StrSplit(flag.commands, ' ')) {
    if (c == command) return true;
  }
  return false;
}

// Checks what only makes sense once every argument has been read.
absl::Status Finish(const std::vector<std::string>& positionals,
                    const std::vector<const FlagSpec*>& command_flags,
                    Invocation* out) {
  CommandArgs& cmd = out->command;
  if (cmd.name == "help") {
    out->help = true;
    cmd.name = positionals.empty() ? "" : positionals[0];
  }
  if (out->help) {
    if (!cmd.name.empty() && !IsCommand(cmd.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown command \"", cmd.name, "\""));
    }
    return absl::OkStatus();
  }
  if (cmd.name.empty()) return Bad(*out, "missing COMMAND");
  const CommandSpec* spec = FindCommand(cmd.name);
  if (spec == nullptr) {
    const std::string name = cmd.name;
    cmd.name.clear();
    return Bad(*out, absl::StrCat("unknown command \"", name, "\""));
  }
  for (const FlagSpec* flag : command_flags) {
    if (!FlagAllowed(*flag, cmd.name)) {
      return Bad(*out, absl::StrCat("unknown flag --", flag->name));
    }
  }
  const size_t want = spec->positional == nullptr ? 0 : 1;
  if (positionals.size() < want) {
    return Bad(*out, absl::StrCat("missing ", spec->positional));
  }
  if (positionals.size() > want) {
    return Bad(*out,
               absl::StrCat("unexpected argument \"", positionals[want], "\""));
  }
  if (want == 1) {
    (cmd.name == "model" ? cmd.model_id : cmd.job_id) = positionals[0];
  }
  if (cmd.start_time && cmd.end_time && *cmd.end_time <= *cmd.start_time) {
    return Bad(*out, "--end_time: must be after --start_time");
  }
  if ((cmd.name == "recommend" || cmd.name == "report") &&
      cmd.snapshot_path.empty()) {
    return Bad(*out, "missing --snapshot FILE.json");
  }
  if (out->global.server.empty()) {
    return Bad(*out, "missing --server=HOST:PORT");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsCommand(absl::string_view name) { return FindCommand(name) != nullptr; }

absl::Status ParseArgs(const std::vector<std::string>& args, Invocation* out) {
  *out = Invocation();
  std::vector<std::string> positionals;
  std::vector<const FlagSpec*> command_flags;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool is_flag = !only_positionals && absl::StartsWith(arg, "-") &&
                         arg.size() > 1;
    if (!is_flag) {
      if (out->command.name.empty()) {
        out->command.name = arg;
      } else {
        positionals.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out->help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return Bad(*out, absl::StrCat("unknown flag ", arg));
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos
                                               ? std::string::npos
                                               : eq - 2);
    const FlagSpec* flag = FindFlag(name);
    if (flag == nullptr) return Bad(*out, absl::StrCat("unknown flag --", name));
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      if (!flag->takes_value) {
        return Bad(*out, absl::StrCat("--", name, " takes no value"));
      }
    } else if (flag->takes_value) {
      if (i + 1 >= args.size()) {
        return Bad(*out, absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    absl::Status status = flag->apply(value, out);
    if (!status.ok()) return Bad(*out, status.message());
    if (*flag->commands != '\0') command_flags.push_back(flag);
  }
  return Finish(positionals, command_flags, out);
}

std::string GeneralUsage() {
  std::string text =
      "usage: streamtunectl --server=HOST:PORT [--tenant=T] [--timeout=10s] "
      "COMMAND [ARGS]\n"
      "\n"
      "Talks to a StreamTune server (streamtuned). Prints JSON (protobuf's\n"
      "JSON mapping) on stdout and one-line errors on stderr. Exit status:\n"
      "0 success, 1 failed call, 2 usage error.\n"
      "\n"
      "Global flags (before or after the command):\n"
      "  --server=HOST:PORT   server address (required)\n"
      "  --tenant=T           tenant, sent as x-streamtune-tenant (default:\n"
      "                       the server's default tenant)\n"
      "  --timeout=DURATION   deadline of each call, retries included "
      "(default 10s)\n"
      "  -h, --help           this text; after a command, that command's "
      "help\n"
      "\n"
      "Commands:\n";
  for (const CommandSpec& spec : kCommands) {
    absl::StrAppend(&text, "  ", spec.synopsis, "\n");
  }
  return text;
}

std::string CommandUsage(absl::string_view command) {
  const CommandSpec* spec = FindCommand(command);
  if (spec == nullptr) return GeneralUsage();
  std::string text =
      absl::StrCat("usage: streamtunectl [GLOBAL FLAGS] ", spec->synopsis,
                   "\n\n");
  for (absl::string_view line : absl::StrSplit(spec->description, '\n')) {
    absl::StrAppend(&text, "  ", line, "\n");
  }
  return text;
}

}  // namespace cli
}  // namespace streamtune
