// Command line of streamtune-history: its Abseil flags (defined and read only
// in history_flags.cc) turned into HistoryCliOptions. Kept apart from main so
// the validation is unit-tested (absl::FlagSaver + absl::SetFlag).
#ifndef STREAMTUNE_CLIENT_HISTORY_HISTORY_FLAGS_H_
#define STREAMTUNE_CLIENT_HISTORY_HISTORY_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/history/history_generator.h"

namespace streamtune::history {

inline constexpr char kHistoryUsage[] =
    "usage: streamtune-history generate [--jobs=N] [--seed=S] [--minutes=M|MIN-MAX]\n"
    "           [--family=NAME,...] [--trace_share=F] [--exclude=FILE,...]\n"
    "           [--default_exclude=false] [--workloads_out=DIR]\n"
    "           [--server=HOST:PORT | --state_dir=DIR] [--tenant=T]\n"
    "           [--concurrency=N] [--label_counts=false]\n"
    "\n"
    "Generates pre-training history: N generated workloads (default 300; families\n"
    "round-robin, seeded by S, default 1), each run for M simulated minutes (default\n"
    "20-40, drawn per job) on the simulated engine with randomised exploration of\n"
    "parallelism, every snapshot sent to streamtuned with ReportSnapshot under job\n"
    "id <workload name>. A share F of the jobs (default 1/3: every third) replays\n"
    "M points of a real trace, one a simulated minute, instead of steps, ramps and\n"
    "spikes (job id <family>-trace-<seed>). Workloads whose DAG equals that of an\n"
    "--exclude file are never generated; by default every *.json of the benchmark\n"
    "suite (bench/workloads) is excluded too, unless --default_exclude=false; a\n"
    "missing or unreadable exclusion is an error. --workloads_out writes every\n"
    "generated workload file. Without --server it starts a private PostgreSQL\n"
    "(under --state_dir, default /tmp/streamtune-history-state) and its own\n"
    "streamtuned. --tenant defaults to \"default\". --concurrency: jobs in flight\n"
    "(default 4). Label counts come from one ListSnapshots per job;\n"
    "--label_counts=false skips them. Progress goes to stderr, the summary to\n"
    "stdout.\n";

struct HistoryCliOptions {
  HistoryOptions history;
  std::string server;  // Empty: start a private stack.
  std::string state_dir = "/tmp/streamtune-history-state";
  std::string tenant = "default";
  // Whether the benchmark suite's files (bench/workloads) are added to the
  // exclusions.
  bool default_exclude = true;
};

// The flags plus the positional arguments (only "generate"). INVALID_ARGUMENT
// with a readable message naming the flag for anything wrong.
absl::StatusOr<HistoryCliOptions> HistoryOptionsFromFlags(
    const std::vector<std::string>& positional);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_HISTORY_FLAGS_H_
