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

namespace streamtune::sim {

inline constexpr char kWorkloadsUsage[] =
    "usage:\n"
    "  streamtune-workloads generate --family=NAME|all --out=DIR [--count=N]\n"
    "                                [--seed=S]\n"
    "  streamtune-workloads validate FILE...\n"
    "  streamtune-workloads families\n"
    "\n"
    "generate writes N workloads per family (default 1), seeds S .. S+N-1 (default\n"
    "S = 1), as DIR/<family>-<seed>.json (DIR is created); progress goes to stderr.\n"
    "validate loads every FILE and reports each. families lists the generator's\n"
    "families. Exit status: 0 success, 1 a file could not be written or is\n"
    "invalid, 2 bad command line.\n";

struct GenerateOptions {
  std::string family;   // A family name or "all". Required.
  int count = 1;        // Workloads per family, in [1, 100000].
  uint64_t seed = 1;    // Seed of the first workload of each family.
  std::string out_dir;  // Required; created when missing.
};

struct WorkloadsCommand {
  std::string name;                // "generate", "validate" or "families".
  GenerateOptions generate;        // generate
  std::vector<std::string> files;  // validate: at least one
};

// INVALID_ARGUMENT naming the flag or argument for anything wrong, including
// a generate flag given to another command.
absl::StatusOr<WorkloadsCommand> WorkloadsCommandFromFlags(
    const std::vector<std::string>& positional);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_WORKLOADS_FLAGS_H_
