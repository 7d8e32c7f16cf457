// Command line of streamtune-history, parsed into HistoryCliOptions. Kept
// apart from main so parsing is unit-tested. Pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_HISTORY_HISTORY_ARGS_H_
#define STREAMTUNE_CLIENT_HISTORY_HISTORY_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/history/history_generator.h"

namespace streamtune::history {

inline constexpr char kHistoryUsage[] =
    "usage: streamtune-history generate [--jobs N] [--seed S] [--minutes M | MIN-MAX]\n"
    "           [--family NAME ...] [--exclude FILE ...] [--no-default-exclude]\n"
    "           [--workloads-out DIR] [--server HOST:PORT | --state-dir DIR]\n"
    "           [--tenant T] [--concurrency N] [--no-label-counts]\n"
    "\n"
    "Generates pre-training history: N generated workloads (default 300; families\n"
    "round-robin, seeded by S, default 1), each run for M simulated minutes (default\n"
    "20-40, drawn per job) on the simulated engine with randomised exploration of\n"
    "parallelism, every snapshot sent to streamtuned with ReportSnapshot under job\n"
    "id <workload name>. Workloads whose DAG equals that of an --exclude file are\n"
    "never generated; by default every *.json of the benchmark suite\n"
    "(bench/workloads) is excluded too, unless --no-default-exclude.\n"
    "--workloads-out writes every generated workload file.\n"
    "Without --server it starts a private PostgreSQL (under --state-dir, default\n"
    "/tmp/streamtune-history-state) and its own streamtuned. --tenant defaults to\n"
    "\"default\". --concurrency: jobs in flight (default 4). Label counts come from\n"
    "one ListSnapshots per job; --no-label-counts skips them.\n"
    "Progress goes to stderr, the summary to stdout.\n";

struct HistoryCliOptions {
  HistoryOptions history;
  std::string server;  // Empty: start a private stack.
  std::string state_dir = "/tmp/streamtune-history-state";
  bool state_dir_given = false;
  std::string tenant = "default";
  // Whether the benchmark suite's files (bench/workloads) are added to the exclusions.
  bool default_exclude = true;
};

// Parses argv (without the program name). INVALID_ARGUMENT with a readable
// message naming the flag for anything wrong.
absl::StatusOr<HistoryCliOptions> ParseHistoryArgs(
    const std::vector<std::string>& args);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_HISTORY_ARGS_H_
