#include "server/core/learning/fine_tuning.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"
#include "server/core/graph/job_graph.h"
#include "server/core/learning/model_repository.h"
#include "server/core/learning/training_samples.h"

namespace streamtune {

int LabelledSnapshots(absl::Span<const v1::StoredSnapshot> history) {
  return static_cast<int>(std::count_if(
      history.begin(), history.end(),
      [](const v1::StoredSnapshot& s) { return !Stabilising(s.snapshot()); }));
}

bool FineTunedFrom(const v1::Model& job_model, const v1::Model& cluster_model) {
  auto version = job_model.metrics().find("cluster_version");
  return job_model.cluster_id() == cluster_model.cluster_id() &&
         job_model.pretrain_run() == cluster_model.pretrain_run() &&
         version != job_model.metrics().end() &&
         version->second == static_cast<double>(cluster_model.version());
}

absl::StatusOr<FineTunedModel> FineTune(const ModelTrainer& trainer,
                                        absl::string_view job_id,
                                        absl::Span<const v1::StoredSnapshot> history,
                                        const v1::Model& cluster_model,
                                        absl::string_view cluster_weights,
                                        const FineTuneOptions& options) {
  const int labelled = LabelledSnapshots(history);
  if (options.steps <= 0 || labelled < options.min_labelled_snapshots) {
    return absl::FailedPreconditionError(absl::StrCat("fine-tuning: ", labelled,
                                                      " labelled snapshots, needs ",
                                                      options.min_labelled_snapshots));
  }
  const std::vector<v1::StoredSnapshot> snapshots(history.begin(), history.end());
  const std::vector<TrainingSample> samples =
      BuildTrainingSamples(snapshots, SampleOptions{0.10, 400, options.catch_up_s});
  if (samples.empty()) {
    return absl::FailedPreconditionError("fine-tuning: no training pairs yet");
  }
  TrainSettings settings;
  settings.seed = std::strtoull(Fnv1aHex(job_id).c_str(), nullptr, 16);
  settings.epochs = 1000;
  settings.max_steps = options.steps;
  settings.holdout_fraction = 0;
  settings.l2_pull = options.l2_pull;
  STREAMTUNE_ASSIGN_OR_RETURN(TrainedModel trained,
                              trainer.Train(samples, settings, cluster_weights));
  FineTunedModel out;
  v1::Model& record = out.record;
  record.set_model_id(JobModelId(job_id));
  record.set_kind(kJobModelKind);
  record.set_job_id(std::string(job_id));
  record.set_cluster_id(cluster_model.cluster_id());
  record.set_pretrain_run(cluster_model.pretrain_run());
  auto& metrics = *record.mutable_metrics();
  for (const auto& [name, value] : trained.metrics) metrics[name] = value;
  metrics["labelled_snapshots"] = labelled;
  metrics["cluster_version"] = cluster_model.version();
  metrics["samples"] = samples.size();
  metrics["through_sequence"] = history.empty() ? 0 : history.back().sequence();
  out.weights = std::move(trained.weights);
  return out;
}

}  // namespace streamtune
