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

const char* AgentStepName(AgentStep step) {
  switch (step) {
    case AgentStep::kAwait:
      return "await";
    case AgentStep::kRestarting:
      return "restarting";
    case AgentStep::kSnapshot:
      return "snapshot";
    case AgentStep::kDecide:
      return "decide";
    case AgentStep::kApply:
      return "apply";
  }
  return "unknown";
}

absl::Status RunAgentLoop(EngineAdapter& engine, const Decider& decide) {
  return RunAgentLoop(engine, decide, AgentLoopOptions());
}

absl::Status RunAgentLoop(EngineAdapter& engine, const Decider& decide,
                          const AgentLoopOptions& options) {
  // OK to go on with the next decision point, else the error ending the loop.
  auto handle = [&options](AgentStep step, absl::Status error) -> absl::Status {
    if (options.on_error && options.on_error(step, error)) return absl::OkStatus();
    return error;
  };
  while (true) {
    absl::StatusOr<bool> more = engine.AwaitDecisionPoint();
    if (!more.ok()) {
      STREAMTUNE_RETURN_IF_ERROR(handle(AgentStep::kAwait, more.status()));
      continue;
    }
    if (!*more) return absl::OkStatus();
    absl::StatusOr<bool> restarting = engine.Restarting();
    if (!restarting.ok()) {
      STREAMTUNE_RETURN_IF_ERROR(handle(AgentStep::kRestarting, restarting.status()));
      continue;
    }
    if (*restarting) continue;
    absl::StatusOr<v1::Snapshot> snapshot = engine.TakeSnapshot();
    if (!snapshot.ok()) {
      STREAMTUNE_RETURN_IF_ERROR(handle(AgentStep::kSnapshot, snapshot.status()));
      continue;
    }
    absl::StatusOr<std::optional<std::vector<int>>> answer = decide(*snapshot);
    if (!answer.ok()) {
      STREAMTUNE_RETURN_IF_ERROR(
          handle(AgentStep::kDecide, About(*snapshot, answer.status())));
      continue;
    }
    if (!answer->has_value()) continue;
    absl::StatusOr<bool> applied = engine.Apply(**answer);
    if (!applied.ok()) {
      STREAMTUNE_RETURN_IF_ERROR(
          handle(AgentStep::kApply, About(*snapshot, applied.status())));
    }
  }
}

}  // namespace streamtune::agent
