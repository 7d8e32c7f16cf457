#include "client/sim/run.h"

#include <memory>

#include "common/status_macros.h"

namespace streamtune::sim {

absl::StatusOr<RunResult> RunSimulation(const Workload& workload,
                                        const Decider& decide) {
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedEngineAdapter> adapter,
                              SimulatedEngineAdapter::Create(workload));
  STREAMTUNE_RETURN_IF_ERROR(agent::RunAgentLoop(*adapter, decide));
  return adapter->Finish();
}

}  // namespace streamtune::sim
