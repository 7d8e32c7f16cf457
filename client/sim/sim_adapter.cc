#include "client/sim/sim_adapter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune::sim {

absl::StatusOr<std::unique_ptr<SimulatedEngineAdapter>> SimulatedEngineAdapter::Create(
    const Workload& workload, std::string job_id) {
  if (job_id.empty()) job_id = workload.name;
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedEngine> engine,
                              SimulatedEngine::Create(workload));
  auto adapter = std::unique_ptr<SimulatedEngineAdapter>(
      new SimulatedEngineAdapter(workload, std::move(job_id), std::move(engine)));
  STREAMTUNE_ASSIGN_OR_RETURN(adapter->result_.oracle,
                              OracleSchedule::Compute(workload));
  return adapter;
}

SimulatedEngineAdapter::SimulatedEngineAdapter(const Workload& workload,
                                               std::string job_id,
                                               std::unique_ptr<SimulatedEngine> engine)
    : workload_(workload), job_id_(std::move(job_id)), engine_(std::move(engine)) {
  result_.workload_name = workload.name;
  result_.trace.reserve(workload.duration_s);
}

void SimulatedEngineAdapter::StepOneSecond() {
  engine_->Step();
  result_.trace.push_back(engine_->last_tick());
}

absl::StatusOr<bool> SimulatedEngineAdapter::AwaitDecisionPoint() {
  // A decision at the last second could not affect the run.
  while (engine_->now_s() + 1 < workload_.duration_s) {
    StepOneSecond();
    if (engine_->now_s() % workload_.decision_interval_s == 0) return true;
  }
  return false;
}

absl::StatusOr<bool> SimulatedEngineAdapter::Restarting() {
  return engine_->restarting();
}

absl::StatusOr<v1::Snapshot> SimulatedEngineAdapter::TakeSnapshot() {
  const int t = static_cast<int>(engine_->now_s());
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Snapshot snapshot,
                              engine_->TakeSnapshot(job_id_, absl::StrCat("t", t)));
  Decision decision;
  decision.t = t;
  decision.before = engine_->parallelism();
  decision.after = decision.before;
  result_.decisions.push_back(std::move(decision));
  return snapshot;
}

absl::StatusOr<bool> SimulatedEngineAdapter::Apply(
    const std::vector<int>& parallelism) {
  if (result_.decisions.empty() || result_.decisions.back().t != engine_->now_s()) {
    return absl::FailedPreconditionError(
        "Apply without a snapshot at this decision point");
  }
  STREAMTUNE_ASSIGN_OR_RETURN(const bool changed, engine_->Apply(parallelism));
  Decision& decision = result_.decisions.back();
  decision.applied = changed;
  decision.after = engine_->parallelism();
  return changed;
}

absl::StatusOr<RunResult> SimulatedEngineAdapter::Finish() {
  while (engine_->now_s() < workload_.duration_s) StepOneSecond();
  STREAMTUNE_ASSIGN_OR_RETURN(
      result_.metrics,
      ComputeRunMetrics(workload_, result_.oracle, result_.trace, result_.decisions));
  return std::move(result_);
}

}  // namespace streamtune::sim
