#include "client/agent/agent_loop.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune::agent {
namespace {

absl::Status About(const v1::Snapshot& snapshot, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("snapshot ", snapshot.snapshot_id(),
                                                  ": ", status.message()));
}

}  // namespace

Decider NoChangeDecider() {
  return [](const v1::Snapshot&) -> absl::StatusOr<std::optional<std::vector<int>>> {
    return std::optional<std::vector<int>>();
  };
}

absl::Status RunAgentLoop(EngineAdapter& engine, const Decider& decide) {
  while (true) {
    STREAMTUNE_ASSIGN_OR_RETURN(const bool more, engine.AwaitDecisionPoint());
    if (!more) return absl::OkStatus();
    STREAMTUNE_ASSIGN_OR_RETURN(const bool restarting, engine.Restarting());
    if (restarting) continue;
    STREAMTUNE_ASSIGN_OR_RETURN(const v1::Snapshot snapshot, engine.TakeSnapshot());
    absl::StatusOr<std::optional<std::vector<int>>> answer = decide(snapshot);
    if (!answer.ok()) return About(snapshot, answer.status());
    if (!answer->has_value()) continue;
    absl::StatusOr<bool> applied = engine.Apply(**answer);
    if (!applied.ok()) return About(snapshot, applied.status());
  }
}

}  // namespace streamtune::agent
