// RunSimulation: one policy on one workload in simulated time. The engine
// advances second by second; at every decision time the policy gets a
// snapshot and may answer with a new parallelism vector. The result holds the
// trace, the decisions, the oracle and the §7 metrics. Thread-compatible: a
// run uses only its own state (and whatever the decider touches).
#ifndef STREAMTUNE_CLIENT_SIM_RUN_H_
#define STREAMTUNE_CLIENT_SIM_RUN_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/engine.h"
#include "client/sim/oracle.h"
#include "client/sim/run_metrics.h"
#include "client/sim/workload.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::sim {

// The policy under test: given a snapshot, a parallelism vector (one value per
// operator, in workload order; clamped to [1, max_parallelism]) or nullopt
// for "no change". An error aborts the run.
using Decider = std::function<absl::StatusOr<std::optional<std::vector<int>>>(
    const v1::Snapshot&)>;

// A decider that never changes anything (the "static" baseline).
Decider NoChangeDecider();

struct RunResult {
  std::string workload_name;
  std::vector<TickRecord> trace;    // Seconds 1 .. duration_s.
  std::vector<Decision> decisions;  // Every call of the decider, in order.
  OracleSchedule oracle;
  RunMetrics metrics;
};

// Simulates seconds 1 .. duration_s. The decider is called after second t for
// every t = k·decision_interval_s (k >= 1, t < duration_s: a decision at the
// last second could not affect the run), except while the job is restarting;
// the snapshot's job_id is the workload name and its snapshot_id "t<t>".
// Errors: INVALID_ARGUMENT for an invalid workload or a decision of the
// wrong size; a decider error is returned prefixed with "decision at t=T: ".
absl::StatusOr<RunResult> RunSimulation(const Workload& workload,
                                        const Decider& decide);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_RUN_H_
