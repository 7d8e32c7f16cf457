// Fine-tuning a cluster model on one job's own labelled snapshots
// (docs/algorithm.md §3.3): the training step the background fine-tuning
// worker runs, and the rule a policy uses to ask for it.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNING_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNING_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/learning/model_trainer.h"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

struct FineTuneOptions {
  // Gradient steps per fine-tune (0 disables fine-tuning).
  int steps = 20;
  double l2_pull = 1e-2;
  // Fewest labelled snapshots (the current one included) before a job's
  // own observations are worth training on.
  int min_labelled_snapshots = 2;
  double catch_up_s = 300;
};

// Snapshots of `history` that carry labels (taken while not stabilising).
int LabelledSnapshots(absl::Span<const v1::StoredSnapshot> history);

// Whether `job_model` was fine-tuned from exactly `cluster_model` (same
// cluster, same version), so that it may answer for the job.
bool FineTunedFrom(const v1::Model& job_model, const v1::Model& cluster_model);

// A fine-tuned model: its record (for Store::CompleteFineTune) and weights.
struct FineTunedModel {
  v1::Model record;
  std::string weights;
};

// Trains the job's model from `cluster_weights` (the weights of
// `cluster_model`) on `history` (the job's snapshots, oldest first, the
// newest being the one whose decision asked). Seeded by the job, so every
// replica trains the same weights from the same data. FAILED_PRECONDITION
// when the history has too few labels to learn from.
absl::StatusOr<FineTunedModel> FineTune(const ModelTrainer& trainer,
                                        absl::string_view job_id,
                                        absl::Span<const v1::StoredSnapshot> history,
                                        const v1::Model& cluster_model,
                                        absl::string_view cluster_weights,
                                        const FineTuneOptions& options);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNING_H_
