// Command line of streamtune-bench: its Abseil flags (defined and read only
// in bench_flags.cc) turned into BenchOptions. Kept apart from main so the
// validation is unit-tested (absl::FlagSaver + absl::SetFlag).
#ifndef STREAMTUNE_BENCH_BENCH_FLAGS_H_
#define STREAMTUNE_BENCH_BENCH_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace streamtune::bench {

inline constexpr char kBenchUsage[] =
    "usage: streamtune-bench run --policy=NAME[,NAME...] --out=DIR\n"
    "           [--server=HOST:PORT] [--tenant=NAME] [--state_dir=DIR]\n"
    "           [--print_decisions] WORKLOAD.json...\n"
    "\n"
    "Runs every (policy, workload) pair on the simulated engine, asking streamtuned\n"
    "at every decision point, and writes DIR/results.json, DIR/report.md and\n"
    "DIR/plots/<workload>.svg. Without --server it starts a private PostgreSQL\n"
    "(under --state_dir, default /tmp/streamtune-bench-state) and its own\n"
    "streamtuned. The workload files come last, so a shell glob works, e.g.\n"
    "  streamtune-bench run --policy=ds2,streamtune --out=results \\\n"
    "    bench/workloads/*.json\n";

struct BenchOptions {
  std::vector<std::string> workload_files;
  std::vector<std::string> policies;
  std::string out_dir;
  std::string server;  // Empty: start a private stack.
  std::string tenant;  // Empty: "bench-<unix seconds>".
  std::string state_dir = "/tmp/streamtune-bench-state";
  bool print_decisions = false;
  // The command line in canonical form (every flag given, then the files),
  // for the report.
  std::string command_line;
};

// The flags plus the positional arguments ("run" WORKLOAD.json...).
// INVALID_ARGUMENT naming what is wrong ("--out: required", ...).
absl::StatusOr<BenchOptions> BenchOptionsFromFlags(
    const std::vector<std::string>& positional);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_BENCH_FLAGS_H_
