// Policy: one tuning algorithm (DS2, the Flink autoscaler, ContTune,
// StreamTune). The tuning core calls it with a validated snapshot and the
// job's stored history; it answers with per-operator parallelism. Policies
// keep no state between calls (the server is stateless): everything they
// remember lives in the history they are handed.
#ifndef STREAMTUNE_SERVER_CORE_POLICY_H_
#define STREAMTUNE_SERVER_CORE_POLICY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/core/graph/job_graph.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

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
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICY_H_
