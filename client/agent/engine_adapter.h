// EngineAdapter: what the tuning agent needs from a stream-processing engine
// (the simulator, Flink, Timely): wait for the next decision point, tell
// whether the job is restarting, take a snapshot, apply a parallelism vector.
#ifndef STREAMTUNE_CLIENT_AGENT_ENGINE_ADAPTER_H_
#define STREAMTUNE_CLIENT_AGENT_ENGINE_ADAPTER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::agent {

// One running job on one engine. Not thread-safe: one agent loop drives it.
class EngineAdapter {
 public:
  virtual ~EngineAdapter() = default;

  // Blocks (real engines) or advances simulated time (the simulator) until
  // the next decision point. Returns false when the job has ended and no
  // decision will follow.
  virtual absl::StatusOr<bool> AwaitDecisionPoint() = 0;

  // True while a reconfiguration's restart is in progress: the metrics do
  // not describe a running job, so the agent makes no decision.
  virtual absl::StatusOr<bool> Restarting() = 0;

  // The job now: DAG, parallelism and the metrics of the last window, with a
  // snapshot id unique within the job.
  virtual absl::StatusOr<v1::Snapshot> TakeSnapshot() = 0;

  // Applies `parallelism` (one value per operator, in the order of the last
  // snapshot's operators) as one reconfiguration. Returns whether anything
  // changed; an unchanged vector is no reconfiguration.
  virtual absl::StatusOr<bool> Apply(const std::vector<int>& parallelism) = 0;
};

}  // namespace streamtune::agent

#endif  // STREAMTUNE_CLIENT_AGENT_ENGINE_ADAPTER_H_
