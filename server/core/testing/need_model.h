// Test-only fakes of the learned model: a BottleneckModel whose "weights" are
// the parallelism each node needs ("2,5,1"), and a deterministic ModelTrainer
// that loads such weights and "trains" by returning its start weights.
#ifndef STREAMTUNE_SERVER_CORE_TESTING_NEED_MODEL_H_
#define STREAMTUNE_SERVER_CORE_TESTING_NEED_MODEL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/core/learning/model_trainer.h"

namespace streamtune::testing {

// P is 0.9 below the parallelism a node needs and 0.1 from it on (monotone
// in p).
class NeedModel : public BottleneckModel {
 public:
  explicit NeedModel(std::vector<int> need) : need_(std::move(need)) {}
  class Predictor : public BottleneckPredictor {
   public:
    explicit Predictor(const std::vector<int>& need) : need_(need) {}
    double Probability(int node, int p) const override {
      return p < need_[node] ? 0.9 : 0.1;
    }

   private:
    std::vector<int> need_;
  };
  absl::StatusOr<std::unique_ptr<BottleneckPredictor>> Prepare(
      const GraphFeatures& graph) const override {
    if (graph.num_nodes != static_cast<int>(need_.size())) {
      return absl::InvalidArgumentError("graph does not fit");
    }
    return std::unique_ptr<BottleneckPredictor>(new Predictor(need_));
  }
  const std::vector<int>& need() const { return need_; }

 private:
  std::vector<int> need_;
};

// Loads NeedModels (INVALID_ARGUMENT for anything but comma-separated
// integers); "training" returns the start weights unchanged and counts the
// calls and their samples. Not thread-safe (tests are single-threaded).
class NeedTrainer : public ModelTrainer {
 public:
  absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                     const TrainSettings& settings,
                                     absl::string_view start) const override {
    ++trained;
    sample_counts.push_back(samples.size());
    max_steps.push_back(settings.max_steps);
    TrainedModel out;
    out.weights = std::string(start);
    out.metrics["train_positives"] = 1;
    out.metrics["train_labelled_nodes"] = 2;  // Prior 0.5: no recalibration.
    return out;
  }
  absl::StatusOr<std::unique_ptr<BottleneckModel>> Load(
      absl::string_view weights) const override {
    ++loaded;
    std::vector<int> need;
    for (absl::string_view part : absl::StrSplit(weights, ',')) {
      int value = 0;
      if (!absl::SimpleAtoi(part, &value)) return absl::InvalidArgumentError("weights");
      need.push_back(value);
    }
    return std::unique_ptr<BottleneckModel>(new NeedModel(need));
  }
  mutable int trained = 0;
  mutable int loaded = 0;
  // The number of samples of every Train call, in call order.
  mutable std::vector<size_t> sample_counts;
  // The step bound (settings.max_steps) of every Train call, in call order.
  mutable std::vector<int> max_steps;
};

}  // namespace streamtune::testing

#endif  // STREAMTUNE_SERVER_CORE_TESTING_NEED_MODEL_H_
