// SimulatedEngine: the deterministic simulated stream-processing engine of
// docs/simulator.md §3–§5. One Step() is one simulated second; TakeSnapshot()
// reports the §4 metrics as a v1::Snapshot; Apply() reconfigures the job,
// which then processes nothing for restart_downtime_s seconds.
// Thread-compatible: one thread at a time.
#ifndef STREAMTUNE_CLIENT_SIM_ENGINE_H_
#define STREAMTUNE_CLIENT_SIM_ENGINE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/sim/noise.h"
#include "client/sim/topology.h"
#include "client/sim/workload.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::sim {

// Simulated second 0 is this instant (2025-01-01T00:00:00Z): a snapshot
// taken at now_s() is observed_at kSimulationEpochSeconds + now_s().
inline constexpr int64_t kSimulationEpochSeconds = 1735689600;

// A component counts as throttled (its operators may report backpressure)
// when its throttle factor f is below this (docs/simulator.md §4).
inline constexpr double kThrottledBelow = 0.999;

// What run metrics need from one simulated second. Vectors are indexed by
// source position (Topology::sources()).
struct TickRecord {
  int t = 0;                        // The simulated second, 1-based.
  bool running = false;             // False during restart downtime.
  std::vector<double> target_rate;  // R(t).
  std::vector<double> source_rate;  // Records actually read this second.
  std::vector<double> lag;          // Backlog after this second, records.
  // Running, no component throttled (every f >= kThrottledBelow) and no
  // source held back by its own capacity (R(t) + lag <= C_src(p)): nothing
  // in the job keeps records from flowing.
  bool backpressure_free = false;
  int total_parallelism = 0;  // Σ_v p_v in effect this second.
};

// One operator in the last simulated second (all zero during downtime).
struct OperatorTick {
  double demand = 0;  // Unthrottled input rate (sources: min(R + lag, C(p))).
  double input = 0;   // Actual input rate (f × demand).
  double output = 0;  // Actual output rate.
  double busy_max_ms = 0;
  double busy_avg_ms = 0;
  double backpressured_ms = 0;  // By the §4 rule (also computed for Timely).
  double idle_ms = 0;
  bool saturated = false;  // Busiest instance at 100% busy.
  double queued = 0;       // Timely input queue after this second.
};

class SimulatedEngine {
 public:
  // Validates `workload` (INVALID_ARGUMENT with JSON paths) and starts the
  // job at second 0 with the workload's initial parallelism.
  static absl::StatusOr<std::unique_ptr<SimulatedEngine>> Create(
      const Workload& workload);

  // Simulates second now_s() + 1.
  void Step();

  // The last simulated second (0 before the first Step()).
  int now_s() const { return now_s_; }
  // True while the job is down: the last simulated second was a downtime
  // second, or the next one will be (right after an Apply that changed
  // something). Decisions are skipped then.
  bool restarting() const { return InDowntime(now_s_) || InDowntime(now_s_ + 1); }
  // The last downtime second of the last restart (0: never restarted).
  // seconds_since_restart = now_s() - restart_end_s().
  int restart_end_s() const { return restart_end_s_; }
  int restarts() const { return restarts_; }

  // The §4 metrics, averaged over the running seconds in
  // (max(now − metrics_window_s, restart_end_s()), now], with fresh noise.
  // window_s is the configured metrics_window_s (the averages cover less
  // right after a restart, which seconds_since_restart tells). FAILED_PRECONDITION when
  // the window is empty (before the first second, or while restarting).
  absl::StatusOr<v1::Snapshot> TakeSnapshot(absl::string_view job_id,
                                            absl::string_view snapshot_id);

  // Sets the parallelism (one value per operator, in workload order),
  // clamping each to [1, max_parallelism]. Returns whether anything changed;
  // a change is one reconfiguration: seconds now+1 .. now+restart_downtime_s
  // process nothing, and the metrics window and Timely queues start empty.
  // INVALID_ARGUMENT when the size does not match the operator count.
  absl::StatusOr<bool> Apply(const std::vector<int>& parallelism);

  const std::vector<int>& parallelism() const { return parallelism_; }
  int total_parallelism() const;
  // Records of the last simulated second.
  const TickRecord& last_tick() const { return tick_; }
  const std::vector<OperatorTick>& last_operator_ticks() const { return op_ticks_; }
  // Throttle factor f of each weakly connected component in the last
  // running second (1 before any).
  const std::vector<double>& throttle_factors() const { return throttle_; }
  // Current backlog per source position, records.
  const std::vector<double>& lag() const { return lag_; }

  const Workload& workload() const { return workload_; }
  const Topology& topology() const { return topology_; }

 private:
  // Window averages of one operator's per-second values.
  struct Sample {
    double input = 0;
    double output = 0;
    double busy_max_ms = 0;
    double busy_avg_ms = 0;
    double backpressured_ms = 0;
  };

  SimulatedEngine(const Workload& workload, Topology topology);

  bool InDowntime(int second) const {
    return second > restart_start_s_ && second <= restart_end_s_;
  }
  void StepDown();
  void StepRunning();
  void FillOperatorMetrics(int index, const Sample& mean, v1::OperatorMetrics* metrics);

  const Workload workload_;
  const Topology topology_;
  const bool timely_;
  NoiseSource noise_;

  int now_s_ = 0;
  int restart_start_s_ = 0;  // Decision time of the last reconfiguration.
  int restart_end_s_ = 0;
  int restarts_ = 0;
  std::vector<int> parallelism_;
  std::vector<double> lag_;
  std::vector<double> queued_;
  std::vector<double> throttle_;
  TickRecord tick_;
  std::vector<OperatorTick> op_ticks_;
  // Per-second samples of the running seconds in the metrics window, oldest
  // first: (second, one Sample per operator).
  std::deque<std::pair<int, std::vector<Sample>>> window_;

  // Scratch space reused every second.
  std::vector<double> reads_;
  std::vector<double> demand_in_;
  std::vector<double> demand_out_;
  std::vector<char> reaches_saturated_;
  std::vector<int> stack_;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_ENGINE_H_
