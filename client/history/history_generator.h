// GenerateHistory: builds a pre-training history (docs/algorithm.md §2.1) by
// running many generated workloads on the simulated engine under the
// exploration decider and reporting every snapshot to streamtuned, which
// stores and labels them. Thread-safe to call; it uses its own threads.
#ifndef STREAMTUNE_CLIENT_HISTORY_HISTORY_GENERATOR_H_
#define STREAMTUNE_CLIENT_HISTORY_HISTORY_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/history/exploration.h"
#include "client/history/history_workloads.h"
#include "client/streamtune_client.h"

namespace streamtune::history {

struct HistoryOptions {
  int jobs = 300;     // Generated jobs (one workload each).
  uint64_t seed = 1;  // Seeds the workloads and the exploration.
  // Simulated minutes per job, drawn per job from [min, max].
  int min_minutes = 20;
  int max_minutes = 40;
  // Families to rotate through; empty: every family of sim::WorkloadFamilies.
  std::vector<std::string> families;
  // Share of the jobs whose rates replay real traces (PlanOptions), in [0, 1].
  double trace_share = kDefaultTraceShare;
  // Workload files (sim::LoadWorkloadFile) whose DAGs must not appear in
  // the history, e.g. the benchmark suite (bench/workloads).
  std::vector<std::string> exclude_files;
  // When set, every generated workload is written there as <name>.json
  // (the directory is created), so the run can be repeated.
  std::string workloads_out_dir;
  // After each job, read its snapshots back with ListSnapshots to count the
  // labels the service gave them. Off: label counts stay 0.
  bool count_labels = true;
  // Jobs simulated and reported at the same time (each on its own thread).
  int concurrency = 4;
  // Exploration knobs; `seed` is replaced per job by a hash of the job's
  // name and `seed` above.
  ExplorationOptions exploration;
  // Asked before each job; when it returns true no further job starts and
  // the run ends with CANCELLED once the running ones finish. May be empty.
  std::function<bool()> stop_requested;
};

struct HistoryStats {
  int jobs_planned = 0;
  int trace_jobs_planned = 0;  // Of jobs_planned, driven by a real trace.
  int jobs_done = 0;
  int64_t snapshots = 0;         // Reported with ReportSnapshot.
  int64_t snapshots_stored = 0;  // Of which new to the service (stored=true).
  int64_t reconfigurations = 0;  // Applied parallelism changes.
  // Operator-snapshots by the label the service stored (count_labels).
  int64_t bottleneck = 0;
  int64_t healthy = 0;
  int64_t stabilising = 0;
  int64_t undecided = 0;
  int excluded_draws = 0;  // Generated workloads skipped for their DAG.
  std::vector<std::string> dropped_families;  // Every draw was excluded.
};

// Called after every finished job with the totals so far (serialised: never
// two calls at once, but from GenerateHistory's worker threads).
using HistoryProgress = std::function<void(const HistoryStats&)>;

// Plans the workloads (history_workloads.h: families round-robin, shortened,
// excluded DAGs skipped), writes them out if asked, then runs each on the
// simulator with MakeExplorationDecider and sends every snapshot to `client`
// with ReportSnapshot (job id = workload name, snapshot ids "t<second>").
// `client` is borrowed and must be thread-safe when concurrency > 1.
// Reporting is idempotent: rerunning the same options on the same tenant
// stores nothing twice. Errors: INVALID_ARGUMENT for bad options, NOT_FOUND
// or INVALID_ARGUMENT for an unreadable excluded file, or the first
// simulator/RPC failure prefixed with "job <name>: " (the run stops there).
absl::StatusOr<HistoryStats> GenerateHistory(const HistoryOptions& options,
                                             StreamTuneClient* client,
                                             const HistoryProgress& progress = nullptr);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_HISTORY_GENERATOR_H_
