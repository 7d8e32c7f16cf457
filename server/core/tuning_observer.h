// TuningObserver: hooks through which the tuning core reports how long model
// work takes (fine-tuning, inference), without knowing who listens. The
// service layer implements it with Prometheus metrics; the default does
// nothing. ObservedModelTrainer is a ModelTrainer decorator that times every
// Train call and every inference of the models it loads.
#ifndef STREAMTUNE_SERVER_CORE_TUNING_OBSERVER_H_
#define STREAMTUNE_SERVER_CORE_TUNING_OBSERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/core/learning/model_trainer.h"

namespace streamtune {

// Implementations must be thread-safe: hooks run on RPC threads.
class TuningObserver {
 public:
  virtual ~TuningObserver() = default;
  // One ModelTrainer::Train call for `purpose` (e.g. "fine_tune") finished.
  virtual void OnTraining(absl::string_view purpose, absl::Duration elapsed, bool ok) {}
  // One model inference (BottleneckModel::Prepare: the GNN encoding of a
  // snapshot) finished.
  virtual void OnInference(absl::Duration elapsed, bool ok) {}
};

// Times `inner` for `observer`: Train as OnTraining(purpose, ...), and
// Prepare of every model it loads as OnInference. Thread-safe when `inner`
// is. `inner` and `observer` must outlive this object and every model it
// loaded.
class ObservedModelTrainer : public ModelTrainer {
 public:
  ObservedModelTrainer(const ModelTrainer* inner, TuningObserver* observer,
                       std::string purpose)
      : inner_(inner), observer_(observer), purpose_(std::move(purpose)) {}

  absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                     const TrainSettings& settings,
                                     absl::string_view start_weights) const override;
  absl::StatusOr<std::unique_ptr<BottleneckModel>> Load(
      absl::string_view weights) const override;

 private:
  const ModelTrainer* inner_;
  TuningObserver* observer_;
  std::string purpose_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_TUNING_OBSERVER_H_
