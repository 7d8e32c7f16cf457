// StreamTune (docs/algorithm.md §3) as a policy: match the job to its
// cluster by graph edit distance, use the job's fine-tuned copy of the
// cluster's GNN (fine-tuned in the background on the job's own labelled
// snapshots; the policy asks for it), pick per operator the smallest parallelism whose
// predicted bottleneck probability is below θ (binary search: the head is
// monotone in p), reconcile with observed evidence, and reconfigure only when
// something is (observed or predicted) a bottleneck or the saving is worth a
// restart. Falls back to DS2, saying why, when no model can be used.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_POLICY_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_POLICY_H_

#include <string>

#include "server/core/learning/model_repository.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/policies/streamtune/cluster_matching.h"
#include "server/core/policies/streamtune/streamtune_options.h"
#include "server/core/policy.h"

namespace streamtune {

// Thread-safe; keeps no per-job state and does no I/O: the models arrive
// loaded in PolicyInput::models, fine-tuned ones come from the store.
class StreamTunePolicy : public Policy {
 public:
  explicit StreamTunePolicy(StreamTuneOptions options = {});
  absl::string_view name() const override { return options_.policy_name; }
  absl::StatusOr<v1::Recommendation> Recommend(const PolicyInput& input) const override;
  absl::StatusOr<PolicyDecision> Decide(const PolicyInput& input) const override;
  bool uses_models() const override { return true; }

 private:
  // DS2's answer marked as a fallback with `why`.
  absl::StatusOr<v1::Recommendation> Fallback(const PolicyInput& input,
                                              absl::string_view why) const;
  // The job's fine-tuned model if it was tuned from `cluster_model`, else
  // the cluster model itself; sets `fine_tune` when the job's model should
  // be (re)tuned with this snapshot's observation.
  v1::Model JobModel(const PolicyInput& input, const v1::Model& cluster_model,
                     std::optional<FineTuneRequest>* fine_tune) const;

  // The model that answers for this job, prepared on its snapshot.
  struct ModelChoice {
    ClusterMatch match;
    v1::Model chosen;  // The job's fine-tuned copy, or the cluster model.
    bool fine_tuned = false;
    std::string tuning_note;  // Why the fine-tuned model was not used.
    std::optional<FineTuneRequest> fine_tune;
    std::shared_ptr<const BottleneckModel> model;
    std::unique_ptr<BottleneckPredictor> predictor;  // Borrows `model`.
  };
  // FAILED_PRECONDITION with the reason to fall back to DS2 when no model can
  // answer (none trained, none near, one that does not load).
  absl::StatusOr<ModelChoice> ChooseModel(const PolicyInput& input) const;

  StreamTuneOptions options_;
  Ds2Policy ds2_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_POLICY_H_
