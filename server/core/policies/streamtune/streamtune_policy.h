// StreamTune (docs/algorithm.md §3) as a policy: match the job to its
// cluster by graph edit distance, fine-tune the cluster's GNN on the job's
// own labelled snapshots, pick per operator the smallest parallelism whose
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

// Thread-safe; keeps no per-job state (fine-tuned models live in the store).
// `models` must outlive the policy.
class StreamTunePolicy : public Policy {
 public:
  StreamTunePolicy(ModelRepository* models, const ModelTrainer* trainer,
                   StreamTuneOptions options = {});
  absl::string_view name() const override { return options_.policy_name; }
  absl::StatusOr<v1::Recommendation> Recommend(const PolicyInput& input) const override;

 private:
  // DS2's answer marked as a fallback with `why`.
  absl::StatusOr<v1::Recommendation> Fallback(const PolicyInput& input,
                                              absl::string_view why) const;
  // The job's fine-tuned model if it is up to date (or could be made so),
  // else the cluster model itself.
  // `models_tenant` is where `cluster_model` is stored.
  absl::StatusOr<v1::Model> JobModel(const PolicyInput& input,
                                     absl::string_view models_tenant,
                                     const v1::Model& cluster_model) const;

  // The model that answers for this job, prepared on its snapshot.
  struct ModelChoice {
    ClusterMatch match;
    v1::Model chosen;  // The job's fine-tuned copy, or the cluster model.
    bool fine_tuned = false;
    std::string tuning_note;  // Why fine-tuning was skipped, if it failed.
    std::shared_ptr<const BottleneckModel> model;
    std::unique_ptr<BottleneckPredictor> predictor;  // Borrows `model`.
  };
  // FAILED_PRECONDITION with the reason to fall back to DS2 when no model can
  // answer (none trained, none near, one that does not load).
  absl::StatusOr<ModelChoice> ChooseModel(const PolicyInput& input) const;

  ModelRepository* models_;
  const ModelTrainer* trainer_;
  StreamTuneOptions options_;
  Ds2Policy ds2_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_POLICY_H_
