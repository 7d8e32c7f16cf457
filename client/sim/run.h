// RunSimulation: one decider on one workload in simulated time, through the
// agent loop and the simulated engine's adapter (the same path the benchmark
// takes with streamtuned as the decider). Thread-compatible: a run uses only
// its own state (and whatever the decider touches).
#ifndef STREAMTUNE_CLIENT_SIM_RUN_H_
#define STREAMTUNE_CLIENT_SIM_RUN_H_

#include "absl/status/statusor.h"
#include "client/agent/agent_loop.h"
#include "client/sim/sim_adapter.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

using agent::Decider;
using agent::NoChangeDecider;

// Simulates seconds 1 .. duration_s. The decider is called after second t for
// every t = k·decision_interval_s (k >= 1, t < duration_s), except while the
// job is restarting; the snapshot's job_id is the workload name and its
// snapshot_id "t<t>". Errors: INVALID_ARGUMENT for an invalid workload or a
// decision of the wrong size; a decider error is returned prefixed with
// "snapshot t<T>: ".
absl::StatusOr<RunResult> RunSimulation(const Workload& workload,
                                        const Decider& decide);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_RUN_H_
