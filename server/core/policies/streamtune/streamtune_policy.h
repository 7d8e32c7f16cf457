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
#include "server/core/policy.h"

namespace streamtune {

struct StreamTuneOptions {
  // Largest P(bottleneck) a recommended parallelism may have.
  double theta = 0.3;
  // Normalised GED beyond which a job is "far from every medoid" and the
  // global model serves it.
  double max_cluster_distance = 0.35;
  // Scale-downs need a saving of at least max(2, this share of the total)
  // and the job running for scale_down_delay_s since its last restart.
  double min_saving_share = 0.10;
  double scale_down_delay_s = 300;
  // Fine-tuning on the job's own samples (0 steps disables it).
  int fine_tune_steps = 20;
  double fine_tune_l2_pull = 1e-2;
  int min_fine_tune_snapshots = 2;
  double catch_up_s = 300;
  // The model may recommend at most this factor above max(linear bound,
  // running parallelism) in one decision.
  double trust_region_factor = 1.5;
  // Sizing aims at this busy fraction of the capacity at the target rate:
  // the headroom that works off a restart's backlog (about 30 s of input)
  // within catch_up_s (a 30 s restart needs 1 + 30/300 = 1.1) plus metric
  // noise. Ops practice (the Flink autoscaler's default target utilisation
  // is 0.7); measured: 0.9 left scale-downs so tight that the restart's own
  // backlog made the operator a bottleneck again (one more restart).
  double target_utilisation = 0.85;
  // Restart downtime assumed until the job's history shows its own
  // (ObservedRestartSeconds); docs/simulator.md's default, and a typical Flink
  // restart of a small job.
  double assumed_restart_s = 30;
  // Size operators whose contention is known (observed at two or more
  // parallelisms) from their fitted capacity curve instead of the model.
  bool use_capacity_curves = true;
  // Tenant whose pre-trained models serve tenants without a run of their
  // own (e.g. models trained on a generated corpus); empty: none.
  std::string shared_model_tenant;
};

// Thread-safe; keeps no per-job state (fine-tuned models live in the store).
// `models` must outlive the policy.
class StreamTunePolicy : public Policy {
 public:
  StreamTunePolicy(ModelRepository* models, const ModelTrainer* trainer,
                   StreamTuneOptions options = {});
  absl::string_view name() const override { return "streamtune"; }
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
