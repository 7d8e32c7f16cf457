#include "client/sim/run.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune::sim {
namespace {

absl::Status AtDecision(int t, const absl::Status& status) {
  return absl::Status(
      status.code(), absl::StrCat("decision at t=", t, ": ", status.message()));
}

}  // namespace

Decider NoChangeDecider() {
  return [](const v1::Snapshot&)
             -> absl::StatusOr<std::optional<std::vector<int>>> {
    return std::optional<std::vector<int>>();
  };
}

absl::StatusOr<RunResult> RunSimulation(const Workload& workload,
                                        const Decider& decide) {
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedEngine> engine,
                              SimulatedEngine::Create(workload));
  RunResult result;
  result.workload_name = workload.name;
  STREAMTUNE_ASSIGN_OR_RETURN(result.oracle, OracleSchedule::Compute(workload));
  result.trace.reserve(workload.duration_s);
  const int interval = workload.decision_interval_s;
  for (int t = 1; t <= workload.duration_s; ++t) {
    engine->Step();
    result.trace.push_back(engine->last_tick());
    if (t % interval != 0 || t >= workload.duration_s || engine->restarting()) {
      continue;
    }
    absl::StatusOr<v1::Snapshot> snapshot =
        engine->TakeSnapshot(workload.name, absl::StrCat("t", t));
    if (!snapshot.ok()) return AtDecision(t, snapshot.status());
    absl::StatusOr<std::optional<std::vector<int>>> answer = decide(*snapshot);
    if (!answer.ok()) return AtDecision(t, answer.status());
    Decision decision;
    decision.t = t;
    decision.before = engine->parallelism();
    if (answer->has_value()) {
      absl::StatusOr<bool> changed = engine->Apply(**answer);
      if (!changed.ok()) return AtDecision(t, changed.status());
      decision.applied = *changed;
    }
    decision.after = engine->parallelism();
    result.decisions.push_back(std::move(decision));
  }
  STREAMTUNE_ASSIGN_OR_RETURN(
      result.metrics, ComputeRunMetrics(workload, result.oracle, result.trace,
                                        result.decisions));
  return result;
}

}  // namespace streamtune::sim
