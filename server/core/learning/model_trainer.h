// ModelTrainer: training and loading of bottleneck models as the tuning core
// sees them, free of LibTorch (server/model/torch_trainer.h implements it).
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_MODEL_TRAINER_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_MODEL_TRAINER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/learning/bottleneck_model.h"

namespace streamtune {

struct TrainSettings {
  uint64_t seed = 1;
  int epochs = 30;
  // Upper bound on optimiser steps (0 = no bound); fine-tuning uses a few.
  int max_steps = 0;
  double learning_rate = 3e-3;
  // Fraction of jobs held out for validation metrics (0 for fine-tuning).
  double holdout_fraction = 0.2;
  // Fine-tuning: strength of the L2 pull toward the starting weights.
  double l2_pull = 0;
  // Called after every epoch with (epoch, training loss); may be empty.
  std::function<void(int, double)> progress;
  // Called before every gradient step with the steps done and planned;
  // returning false stops training with CANCELLED. May be empty.
  std::function<bool(int64_t step, int64_t total_steps)> on_step;
};

struct TrainedModel {
  std::string weights;                    // Opaque, for Store::PutModel.
  std::map<std::string, double> metrics;  // roc_auc, brier, samples, ...
};

// Thread-safe.
class ModelTrainer {
 public:
  virtual ~ModelTrainer() = default;
  // Trains on `samples`; starts from `start_weights` when non-empty (and
  // pulls toward them with settings.l2_pull). FAILED_PRECONDITION when there
  // is nothing labelled to learn from.
  virtual absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                             const TrainSettings& settings,
                                             absl::string_view start_weights) const = 0;
  // A model from stored weights. INVALID_ARGUMENT for corrupt weights.
  virtual absl::StatusOr<std::unique_ptr<BottleneckModel>> Load(
      absl::string_view weights) const = 0;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_MODEL_TRAINER_H_
