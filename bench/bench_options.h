// Command line of streamtune-bench, parsed into BenchOptions. Kept apart from
// main so parsing is unit-tested.
#ifndef STREAMTUNE_BENCH_BENCH_OPTIONS_H_
#define STREAMTUNE_BENCH_BENCH_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace streamtune::bench {

inline constexpr char kBenchUsage[] =
    "usage: streamtune-bench run --workload FILE [FILE ...] --policy NAME [NAME ...]\n"
    "                            --out DIR [--server HOST:PORT] [--tenant NAME]\n"
    "                            [--state-dir DIR] [--print-decisions]\n"
    "\n"
    "Runs every (policy, workload) pair on the simulated engine, asking streamtuned\n"
    "at every decision point, and writes DIR/results.json, DIR/report.md and\n"
    "DIR/plots/<workload>.svg. Without --server it starts a private PostgreSQL\n"
    "(under --state-dir, default /tmp/streamtune-bench-state) and its own\n"
    "streamtuned. --workload and --policy may repeat or take several values.\n";

struct BenchOptions {
  std::vector<std::string> workload_files;
  std::vector<std::string> policies;
  std::string out_dir;
  std::string server;  // Empty: start a private stack.
  std::string tenant;  // Empty: "bench-<unix seconds>".
  std::string state_dir = "/tmp/streamtune-bench-state";
  bool print_decisions = false;
  std::string command_line;  // As typed, for the report.
};

// Parses argv (without the program name). INVALID_ARGUMENT with a readable
// message for anything wrong (unknown flag, missing value, no workload ...).
absl::StatusOr<BenchOptions> ParseBenchArgs(const std::vector<std::string>& args);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_BENCH_OPTIONS_H_
