// BenchRun: everything the benchmark keeps of one (policy, workload) run:
// the docs/simulator.md §7 metrics, the per-decision timeline, and the
// per-second series the plots draw. Plain data; thread-compatible.
#ifndef STREAMTUNE_BENCH_BENCH_RUN_H_
#define STREAMTUNE_BENCH_BENCH_RUN_H_

#include <string>
#include <vector>

#include "client/sim/run_metrics.h"

namespace streamtune::bench {

// One decision point of a run.
struct TimelineEntry {
  int t = 0;                // Simulated second of the decision.
  bool applied = false;     // Whether it was a reconfiguration.
  std::vector<int> before;  // Parallelism per operator before.
  std::vector<int> after;   // ... after (== before unless applied).
  int total_before = 0;
  int total_after = 0;
  std::string reason;  // The service's reason for its answer.
};

struct BenchRun {
  std::string workload;                   // Workload name.
  std::string policy;                     // Policy name as sent to the service.
  std::vector<std::string> operator_ids;  // Order of before/after vectors.
  std::vector<std::string> source_ids;    // Order of source_rate series.
  int lag_slo_s = 0;  // The workload's lag SLO; 0 when unknown (not in results.json).
  sim::RunMetrics metrics;
  std::vector<TimelineEntry> timeline;
  // Per simulated second 1..duration_s (index 0 = second 1):
  std::vector<int> total_parallelism;                   // Σ_v p_v of the policy.
  std::vector<int> oracle_total_parallelism;            // Σ_v p_v of the oracle.
  std::vector<std::vector<double>> source_target_rate;  // [source][second] R(t).
  // max over sources of lag / R(t), seconds: the lag the SLO attainment
  // metric compares with lag_slo_s (docs/simulator.md §7).
  std::vector<double> lag_s;
  double wall_seconds = 0;  // Wall time of the run, service included.
};

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_BENCH_RUN_H_
