// SimulatedEngineAdapter: the simulated engine behind the agent's
// EngineAdapter interface. Decision points are t = k·decision_interval_s
// (k >= 1, t < duration_s) after simulating second t; time is simulated, so
// a one-hour workload runs in milliseconds. It records the per-second trace
// and every decision, from which Finish() computes the §7 metrics.
#ifndef STREAMTUNE_CLIENT_SIM_SIM_ADAPTER_H_
#define STREAMTUNE_CLIENT_SIM_SIM_ADAPTER_H_

#include <memory>
#include <vector>

#include "client/agent/engine_adapter.h"
#include "client/sim/engine.h"
#include "client/sim/oracle.h"
#include "client/sim/run_metrics.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

struct RunResult {
  std::string workload_name;
  std::vector<TickRecord> trace;    // Seconds 1 .. duration_s.
  std::vector<Decision> decisions;  // Every decision point, in order.
  OracleSchedule oracle;
  RunMetrics metrics;
};

// Not thread-safe; one agent loop drives it.
class SimulatedEngineAdapter : public agent::EngineAdapter {
 public:
  // INVALID_ARGUMENT for an invalid workload. Snapshots carry `job_id`
  // (default: the workload name) and "t<second>" as snapshot_id.
  static absl::StatusOr<std::unique_ptr<SimulatedEngineAdapter>> Create(
      const Workload& workload, std::string job_id = "");

  absl::StatusOr<bool> AwaitDecisionPoint() override;
  absl::StatusOr<bool> Restarting() override;
  // Also records a decision point (before = after = current parallelism).
  absl::StatusOr<v1::Snapshot> TakeSnapshot() override;
  // Updates the decision point recorded by the last TakeSnapshot.
  absl::StatusOr<bool> Apply(const std::vector<int>& parallelism) override;

  // Simulates any remaining seconds and computes the metrics. Call once,
  // after the agent loop returned.
  absl::StatusOr<RunResult> Finish();

  const SimulatedEngine& engine() const { return *engine_; }

 private:
  SimulatedEngineAdapter(const Workload& workload, std::string job_id,
                         std::unique_ptr<SimulatedEngine> engine);
  void StepOneSecond();

  Workload workload_;
  std::string job_id_;
  std::unique_ptr<SimulatedEngine> engine_;
  RunResult result_;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_SIM_ADAPTER_H_
