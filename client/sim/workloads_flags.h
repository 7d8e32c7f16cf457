// Command line of streamtune-workloads: its Abseil flags (defined and read
// only in workloads_flags.cc) and positional arguments turned into a
// WorkloadsCommand. Kept apart from main so the validation is unit-tested
// (absl::FlagSaver + absl::SetFlag).
#ifndef STREAMTUNE_CLIENT_SIM_WORKLOADS_FLAGS_H_
#define STREAMTUNE_CLIENT_SIM_WORKLOADS_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/generator.h"

namespace streamtune::sim {

inline constexpr char kWorkloadsUsage[] =
    "usage:\n"
    "  streamtune-workloads generate --family=NAME|all --out=DIR [--count=N]\n"
    "                                [--seed=S] [--rates=steps|trace]\n"
    "                                [--trace=NAME|FILE.csv]\n"
    "  streamtune-workloads validate FILE...\n"
    "  streamtune-workloads oracle FILE...\n"
    "  streamtune-workloads retrace --follow=SOURCE:TRACE:START[:WEIGHT],...\n"
    "                               --peak_parallelism=P --out=FILE IN.json\n"
    "  streamtune-workloads families\n"
    "  streamtune-workloads traces\n"
    "\n"
    "generate writes N workloads per family (default 1), seeds S .. S+N-1 (default\n"
    "S = 1), as DIR/<family>-<seed>.json (DIR is created); progress goes to stderr.\n"
    "--rates=trace replays windows of real traces instead of steps, ramps and\n"
    "spikes (files DIR/<family>-trace-<seed>.json), drawn from the shipped traces\n"
    "or only from --trace: a shipped trace's name or a CSV file (date,messages).\n"
    "validate loads every FILE and reports each. oracle prints, per FILE, the\n"
    "oracle's average total parallelism, its peak parallelism of one operator and\n"
    "how much of the run is feasible. retrace replaces the source rates of IN.json\n"
    "with trace windows (one point per simulated minute for duration_s / 60\n"
    "points; each SOURCE follows TRACE, a shipped name or a .csv file, from point\n"
    "START, times WEIGHT, default 1), scaled so the busiest operator needs P\n"
    "instances at the peak, and writes FILE (may be IN.json). families lists the\n"
    "generator's families, traces the shipped traces. Exit status: 0 success, 1 a\n"
    "file could not be read or written or is invalid, 2 bad command line.\n";

struct GenerateOptions {
  std::string family;   // A family name or "all". Required.
  int count = 1;        // Workloads per family, in [1, 100000].
  uint64_t seed = 1;    // Seed of the first workload of each family.
  std::string out_dir;  // Required; created when missing.
  RateFamily rates = RateFamily::kSteps;
  // With kTrace: a shipped trace's name or a *.csv path; empty: draw among
  // the shipped traces.
  std::string trace;
};

// One --follow entry: SOURCE:TRACE:START[:WEIGHT].
struct FollowSpec {
  std::string source;
  std::string trace;  // A shipped trace's name or a *.csv path.
  int start = 0;      // >= 0.
  double weight = 1;  // > 0.
};

struct RetraceOptions {
  std::vector<FollowSpec> follows;  // At least one.
  int peak_parallelism = 0;         // Required, in [1, 32768].
  std::string in_file;
  std::string out_file;
};

struct WorkloadsCommand {
  // "generate", "validate", "oracle", "retrace", "families" or "traces".
  std::string name;
  GenerateOptions generate;        // generate
  RetraceOptions retrace;          // retrace
  std::vector<std::string> files;  // validate, oracle: at least one
};

// INVALID_ARGUMENT naming the flag or argument for anything wrong, including
// a flag given to a command it does not apply to.
absl::StatusOr<WorkloadsCommand> WorkloadsCommandFromFlags(
    const std::vector<std::string>& positional);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_WORKLOADS_FLAGS_H_
