#include "server/core/tuning_observer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

class ConstantModel : public BottleneckModel {
 public:
  absl::StatusOr<std::unique_ptr<BottleneckPredictor>> Prepare(
      const GraphFeatures& graph) const override {
    if (graph.num_nodes < 0) return absl::InvalidArgumentError("num_nodes");
    return std::unique_ptr<BottleneckPredictor>();
  }
};

// Trains into "trained:<start>"; fails on empty samples; loads any weights
// but "corrupt".
class FakeTrainer : public ModelTrainer {
 public:
  absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                     const TrainSettings&,
                                     absl::string_view start) const override {
    if (samples.empty()) return absl::FailedPreconditionError("nothing labelled");
    TrainedModel out;
    out.weights = "trained:" + std::string(start);
    return out;
  }
  absl::StatusOr<std::unique_ptr<BottleneckModel>> Load(
      absl::string_view weights) const override {
    if (weights == "corrupt") return absl::InvalidArgumentError("weights");
    return std::unique_ptr<BottleneckModel>(std::make_unique<ConstantModel>());
  }
};

struct Event {
  std::string what;
  bool ok;
};

class RecordingObserver : public TuningObserver {
 public:
  void OnTraining(absl::string_view purpose, absl::Duration elapsed, bool ok) override {
    absl::MutexLock lock(&mu_);
    EXPECT_GE(elapsed, absl::ZeroDuration());
    events_.push_back({std::string(purpose), ok});
  }
  void OnInference(absl::Duration elapsed, bool ok) override {
    absl::MutexLock lock(&mu_);
    EXPECT_GE(elapsed, absl::ZeroDuration());
    events_.push_back({"inference", ok});
  }
  std::vector<Event> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Event> events_;
};

TEST(ObservedModelTrainer, ReportsEveryTrainCallWithItsOutcome) {
  FakeTrainer inner;
  RecordingObserver observer;
  ObservedModelTrainer trainer(&inner, &observer, "fine_tune");
  auto trained = trainer.Train({TrainingSample()}, TrainSettings(), "w");
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->weights, "trained:w");
  EXPECT_FALSE(trainer.Train({}, TrainSettings(), "w").ok());
  const std::vector<Event> events = observer.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].what, "fine_tune");
  EXPECT_TRUE(events[0].ok);
  EXPECT_EQ(events[1].what, "fine_tune");
  EXPECT_FALSE(events[1].ok);
}

TEST(ObservedModelTrainer, LoadedModelsReportEachInference) {
  FakeTrainer inner;
  RecordingObserver observer;
  ObservedModelTrainer trainer(&inner, &observer, "fine_tune");
  EXPECT_FALSE(trainer.Load("corrupt").ok());
  auto model = trainer.Load("good");
  ASSERT_TRUE(model.ok());
  GraphFeatures graph;
  EXPECT_TRUE((*model)->Prepare(graph).ok());
  graph.num_nodes = -1;
  EXPECT_FALSE((*model)->Prepare(graph).ok());
  const std::vector<Event> events = observer.events();
  ASSERT_EQ(events.size(), 2u) << "a failed Load is no inference";
  EXPECT_EQ(events[0].what, "inference");
  EXPECT_TRUE(events[0].ok);
  EXPECT_FALSE(events[1].ok);
}

TEST(TuningObserver, DefaultHooksDoNothing) {
  TuningObserver observer;
  observer.OnTraining("fine_tune", absl::Seconds(1), true);
  observer.OnInference(absl::Seconds(1), false);
}

}  // namespace
}  // namespace streamtune
