#include "client/sim/workloads_flags.h"

#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/sim/rate_trace.h"

ABSL_FLAG(std::string, family, "", "generate: a workload family, or all (required)");
ABSL_FLAG(int, count, 1, "generate: workloads per family, in [1, 100000]");
ABSL_FLAG(uint64_t, seed, 1, "generate: seed of the first workload of each family");
ABSL_FLAG(std::string, out, "",
          "generate: output directory, created when missing; retrace: output file "
          "(required)");
ABSL_FLAG(std::string, rates, "steps",
          "generate: rate family, steps (steps, ramps, spikes) or trace (windows of "
          "real traces)");
ABSL_FLAG(std::string, trace, "",
          "generate --rates=trace: only this trace, a shipped name or a CSV file "
          "(default: the shipped traces)");
ABSL_FLAG(std::vector<std::string>, follow, {},
          "retrace: SOURCE:TRACE:START[:WEIGHT] per source, comma-separated");
ABSL_FLAG(int, peak_parallelism, 0,
          "retrace: instances the busiest operator needs at the peak (required)");

namespace streamtune::sim {
namespace {

// A shipped trace's name (a .csv path is only read when the command runs).
absl::Status CheckTraceName(absl::string_view flag, absl::string_view trace) {
  if (absl::EndsWith(trace, ".csv")) return absl::OkStatus();
  std::vector<std::string> names;
  for (const RateTrace& shipped : BuiltinRateTraces()) {
    if (shipped.name == trace) return absl::OkStatus();
    names.push_back(shipped.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, ": unknown trace \"", trace,
      "\" (shipped: ", absl::StrJoin(names, ", "), "; or a path ending in .csv)"));
}

absl::StatusOr<GenerateOptions> GenerateOptionsFromFlags() {
  GenerateOptions options;
  options.family = absl::GetFlag(FLAGS_family);
  options.count = absl::GetFlag(FLAGS_count);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.out_dir = absl::GetFlag(FLAGS_out);
  options.trace = absl::GetFlag(FLAGS_trace);
  if (options.count < 1 || options.count > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--count: must be an integer in [1, 100000], got \"", options.count, "\""));
  }
  if (options.family.empty()) return absl::InvalidArgumentError("--family: required");
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out: required");
  absl::StatusOr<RateFamily> rates = ParseRateFamily(absl::GetFlag(FLAGS_rates));
  if (!rates.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rates: ", rates.status().message()));
  }
  options.rates = *rates;
  if (!options.trace.empty()) {
    if (options.rates != RateFamily::kTrace) {
      return absl::InvalidArgumentError("--trace: applies to --rates=trace only");
    }
    if (absl::Status status = CheckTraceName("trace", options.trace); !status.ok()) {
      return status;
    }
  }
  if (options.family == "all") return options;
  for (const std::string& family : WorkloadFamilies()) {
    if (family == options.family) return options;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--family: unknown family \"", options.family, "\" (known: all, ",
                   absl::StrJoin(WorkloadFamilies(), ", "), ")"));
}

absl::StatusOr<FollowSpec> ParseFollow(absl::string_view text) {
  const std::vector<std::string> parts = absl::StrSplit(text, ':');
  FollowSpec follow;
  if ((parts.size() != 3 && parts.size() != 4) || parts[0].empty() ||
      parts[1].empty() || !absl::SimpleAtoi(parts[2], &follow.start) ||
      follow.start < 0 ||
      (parts.size() == 4 &&
       (!absl::SimpleAtod(parts[3], &follow.weight) || !(follow.weight > 0)))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--follow: expected SOURCE:TRACE:START[:WEIGHT] with START >= 0 and "
        "WEIGHT > 0, got \"",
        text, "\""));
  }
  follow.source = parts[0];
  follow.trace = parts[1];
  if (absl::Status status = CheckTraceName("follow", follow.trace); !status.ok()) {
    return status;
  }
  return follow;
}

absl::StatusOr<RetraceOptions> RetraceOptionsFromFlags(
    const std::vector<std::string>& rest) {
  RetraceOptions options;
  for (const std::string& text : absl::GetFlag(FLAGS_follow)) {
    absl::StatusOr<FollowSpec> follow = ParseFollow(text);
    if (!follow.ok()) return follow.status();
    options.follows.push_back(*std::move(follow));
  }
  if (options.follows.empty()) return absl::InvalidArgumentError("--follow: required");
  options.peak_parallelism = absl::GetFlag(FLAGS_peak_parallelism);
  if (options.peak_parallelism < 1 || options.peak_parallelism > 32768) {
    return absl::InvalidArgumentError(
        absl::StrCat("--peak_parallelism: must be an integer in [1, 32768], got \"",
                     options.peak_parallelism, "\""));
  }
  options.out_file = absl::GetFlag(FLAGS_out);
  if (options.out_file.empty()) return absl::InvalidArgumentError("--out: required");
  if (rest.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("retrace: expected one IN.json, got ", rest.size(), " arguments"));
  }
  options.in_file = rest[0];
  return options;
}

// A flag given to a command it does not apply to is an error, so a
// mistyped command line never silently does something else.
absl::Status OnlyFlagsOf(const std::string& command) {
  const GenerateOptions defaults;
  const std::vector<std::pair<const char*, bool>> given = {
      {"family", !absl::GetFlag(FLAGS_family).empty()},
      {"count", absl::GetFlag(FLAGS_count) != defaults.count},
      {"seed", absl::GetFlag(FLAGS_seed) != defaults.seed},
      {"rates", absl::GetFlag(FLAGS_rates) != RateFamilyName(defaults.rates)},
      {"trace", !absl::GetFlag(FLAGS_trace).empty()},
      {"follow", !absl::GetFlag(FLAGS_follow).empty()},
      {"peak_parallelism", absl::GetFlag(FLAGS_peak_parallelism) != 0},
      {"out", !absl::GetFlag(FLAGS_out).empty()},
  };
  const std::set<std::string> generate = {"family", "count", "seed",
                                          "rates",  "trace", "out"};
  const std::set<std::string> retrace = {"follow", "peak_parallelism", "out"};
  for (const auto& [flag, set] : given) {
    if (!set) continue;
    const bool for_generate = generate.count(flag) > 0;
    const bool for_retrace = retrace.count(flag) > 0;
    if ((command == "generate" && for_generate) ||
        (command == "retrace" && for_retrace)) {
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(command, ": --", flag, " applies to ",
                     for_generate && for_retrace ? "generate and retrace"
                     : for_generate              ? "generate"
                                                 : "retrace",
                     " only"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WorkloadsCommand> WorkloadsCommandFromFlags(
    const std::vector<std::string>& positional) {
  if (positional.empty()) return absl::InvalidArgumentError("a command is required");
  WorkloadsCommand command;
  command.name = positional[0];
  const std::vector<std::string> rest(positional.begin() + 1, positional.end());
  const std::set<std::string> known = {"generate", "validate", "oracle",
                                       "retrace",  "families", "traces"};
  if (known.count(command.name) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command \"", command.name, "\""));
  }
  if (absl::Status status = OnlyFlagsOf(command.name); !status.ok()) return status;
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
  if (command.name == "retrace") {
    absl::StatusOr<RetraceOptions> options = RetraceOptionsFromFlags(rest);
    if (!options.ok()) return options.status();
    command.retrace = *std::move(options);
    return command;
  }
  if ((command.name == "families" || command.name == "traces") && !rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(command.name, ": unexpected argument \"", rest[0], "\""));
  }
  if ((command.name == "validate" || command.name == "oracle") && rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(command.name, ": at least one FILE is required"));
  }
  command.files = rest;
  return command;
}

}  // namespace streamtune::sim
