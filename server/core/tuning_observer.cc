#include "server/core/tuning_observer.h"

#include <utility>

#include "absl/time/clock.h"

namespace streamtune {
namespace {

// A loaded model whose every Prepare is reported as one inference.
class ObservedModel : public BottleneckModel {
 public:
  ObservedModel(std::unique_ptr<BottleneckModel> inner, TuningObserver* observer)
      : inner_(std::move(inner)), observer_(observer) {}

  absl::StatusOr<std::unique_ptr<BottleneckPredictor>> Prepare(
      const GraphFeatures& graph) const override {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::unique_ptr<BottleneckPredictor>> prepared =
        inner_->Prepare(graph);
    observer_->OnInference(absl::Now() - start, prepared.ok());
    return prepared;
  }

 private:
  std::unique_ptr<BottleneckModel> inner_;
  TuningObserver* observer_;
};

}  // namespace

absl::StatusOr<TrainedModel> ObservedModelTrainer::Train(
    const std::vector<TrainingSample>& samples, const TrainSettings& settings,
    absl::string_view start_weights) const {
  const absl::Time start = absl::Now();
  absl::StatusOr<TrainedModel> trained =
      inner_->Train(samples, settings, start_weights);
  observer_->OnTraining(purpose_, absl::Now() - start, trained.ok());
  return trained;
}

absl::StatusOr<std::unique_ptr<BottleneckModel>> ObservedModelTrainer::Load(
    absl::string_view weights) const {
  absl::StatusOr<std::unique_ptr<BottleneckModel>> loaded = inner_->Load(weights);
  if (!loaded.ok()) return loaded;
  return std::unique_ptr<BottleneckModel>(
      std::make_unique<ObservedModel>(*std::move(loaded), observer_));
}

}  // namespace streamtune
