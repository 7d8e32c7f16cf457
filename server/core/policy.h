// Policy: one tuning algorithm (DS2, the Flink autoscaler, ContTune,
// StreamTune). The tuning core calls it with a validated snapshot, the
// job's stored history and (for policies that use them) the loaded models;
// it answers with per-operator parallelism and any state to persist, which
// the core commits with the answer. Policies do no I/O and keep no state
// between calls (the server is stateless): everything they remember lives
// in what they are handed.
#ifndef STREAMTUNE_SERVER_CORE_POLICY_H_
#define STREAMTUNE_SERVER_CORE_POLICY_H_

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/core/graph/job_graph.h"
#include "storage/decision_records.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

class ModelContext;

// Everything a policy may look at for one decision. All references are
// borrowed for the duration of the call.
struct PolicyInput {
  absl::string_view tenant;
  // The snapshot being answered (validated) and its graph view.
  const JobGraph& graph;
  // Labels of the snapshot being answered, in operator order.
  absl::Span<const v1::OperatorLabel> labels;
  // Earlier snapshots of the job, oldest first (excluding this one).
  absl::Span<const v1::StoredSnapshot> history;
  // Earlier recommendations of the job, oldest first.
  absl::Span<const v1::Recommendation> past_recommendations;
  // The comparable earlier snapshot of the same run, or nullptr.
  const v1::Snapshot* previous;
  // The models serving the job, loaded; nullptr unless the policy
  // uses_models().
  const ModelContext* models = nullptr;
};

// A policy's answer and the state the core commits with it.
struct PolicyDecision {
  v1::Recommendation recommendation;
  // Fine-tune the job's model in the background (docs/architecture.md).
  std::optional<FineTuneRequest> fine_tune;
};

// Implementations must be thread-safe: one instance serves concurrent calls.
class Policy {
 public:
  virtual ~Policy() = default;
  // Stable name clients select it by, e.g. "ds2".
  virtual absl::string_view name() const = 0;
  // Fills `operators` (one entry per snapshot operator, in order), `apply`
  // and `reason`; the core fills ids, policy name, times and totals. Errors
  // are returned only for failures of the policy's own machinery (a model
  // that cannot load); odd metrics lead to "keep" with a reason instead.
  virtual absl::StatusOr<v1::Recommendation> Recommend(
      const PolicyInput& input) const = 0;
  // The answer with the state to persist; policies that have state override
  // it (and answer Recommend with its recommendation).
  virtual absl::StatusOr<PolicyDecision> Decide(const PolicyInput& input) const {
    absl::StatusOr<v1::Recommendation> answer = Recommend(input);
    if (!answer.ok()) return answer.status();
    return PolicyDecision{*std::move(answer), std::nullopt};
  }
  // Whether the core must load the job's models (PolicyInput::models).
  virtual bool uses_models() const { return false; }
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICY_H_
