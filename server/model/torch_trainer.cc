#include "server/model/torch_trainer.h"

#include <cmath>
#include <utility>

#include "common/status_macros.h"
#include "server/model/gnn_model.h"
#include "server/model/model_codec.h"
#include "server/model/trainer.h"

namespace streamtune {
namespace {

class TorchModelTrainer : public ModelTrainer {
 public:
  absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                     const TrainSettings& settings,
                                     absl::string_view start_weights) const override {
    std::unique_ptr<TorchBottleneckModel> start;
    if (!start_weights.empty()) {
      STREAMTUNE_ASSIGN_OR_RETURN(start, DeserializeModel(start_weights));
    }
    TrainOptions options;
    options.seed = settings.seed;
    options.epochs = settings.epochs;
    options.max_steps = settings.max_steps;
    options.learning_rate = settings.learning_rate;
    options.holdout_fraction = settings.holdout_fraction;
    options.l2_pull = settings.l2_pull;
    options.progress = settings.progress;
    options.on_step = settings.on_step;
    STREAMTUNE_ASSIGN_OR_RETURN(TrainResult result,
                                TrainModel(samples, options, start.get()));
    TrainedModel out;
    STREAMTUNE_ASSIGN_OR_RETURN(out.weights, SerializeModel(*result.model));
    auto put = [&](const char* name, double value) {
      if (std::isfinite(value)) out.metrics[name] = value;
    };
    put("roc_auc", result.held_out.roc_auc);
    put("brier", result.held_out.brier);
    put("held_out_jobs", result.held_out.jobs);
    put("train_jobs", result.train_jobs);
    put("train_samples", result.train_samples);
    put("train_positives", static_cast<double>(result.train_positives));
    put("train_labelled_nodes", static_cast<double>(result.train_labelled_nodes));
    put("initial_loss", result.initial_loss);
    put("final_loss", result.final_loss);
    put("steps", result.steps);
    put("max_monotonicity_increase", result.max_monotonicity_increase);
    return out;
  }

  absl::StatusOr<std::unique_ptr<BottleneckModel>> Load(
      absl::string_view weights) const override {
    STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<TorchBottleneckModel> model,
                                DeserializeModel(weights));
    return std::unique_ptr<BottleneckModel>(std::move(model));
  }
};

}  // namespace

std::unique_ptr<ModelTrainer> MakeTorchModelTrainer() {
  return std::make_unique<TorchModelTrainer>();
}

}  // namespace streamtune
