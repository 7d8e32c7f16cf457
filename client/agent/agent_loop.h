// The engine-neutral agent loop: at every decision point take a snapshot,
// ask a Decider (normally streamtuned over gRPC) and apply its answer.
#ifndef STREAMTUNE_CLIENT_AGENT_AGENT_LOOP_H_
#define STREAMTUNE_CLIENT_AGENT_AGENT_LOOP_H_

#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/agent/engine_adapter.h"

namespace streamtune::agent {

// Maps a snapshot to a new parallelism vector (aligned with the snapshot's
// operators), or nullopt for "no change".
using Decider =
    std::function<absl::StatusOr<std::optional<std::vector<int>>>(const v1::Snapshot&)>;

// A Decider that never changes anything (the static configuration).
Decider NoChangeDecider();

// Runs until the adapter reports the end of the job. Decision points during
// a restart are skipped. The first error (adapter or decider) ends the loop
// and is returned, prefixed with the snapshot id it concerned.
absl::Status RunAgentLoop(EngineAdapter& engine, const Decider& decide);

// The step of a decision an error came from.
enum class AgentStep { kAwait, kRestarting, kSnapshot, kDecide, kApply };
const char* AgentStepName(AgentStep step);  // "await", "restarting", ...

struct AgentLoopOptions {
  // Called with every error (prefixed as above). Returning true goes on with
  // the next decision point — a long-running agent against a real engine
  // outlives a failing endpoint; false ends the loop with that error. Unset:
  // the first error ends the loop.
  std::function<bool(AgentStep step, const absl::Status& error)> on_error;
};

// As above, with `options`.
absl::Status RunAgentLoop(EngineAdapter& engine, const Decider& decide,
                          const AgentLoopOptions& options);

}  // namespace streamtune::agent

#endif  // STREAMTUNE_CLIENT_AGENT_AGENT_LOOP_H_
