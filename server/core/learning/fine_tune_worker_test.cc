#include "server/core/learning/fine_tune_worker.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/need_model.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using testing::NeedTrainer;

class FineTuneWorkerTest : public ::testing::Test {
 protected:
  FineTuneWorkerTest() : models_(&store_, &trainer_) {
    v1::Model cluster;
    cluster.set_model_id("run.cluster-0");
    cluster.set_cluster_id("cluster-0");
    cluster.set_kind(kClusterModelKind);
    cluster.set_pretrain_run("run");
    cluster_ = *store_.PutModel("shared", cluster, "1,3,1");
  }

  // Stores snapshot `i` of job "j" (labelled, one minute apart) with an
  // answer that asks for fine-tuning from `cluster_`.
  void Decide(int i) {
    v1::StoredSnapshot stored;
    *stored.mutable_snapshot() = testing::ValidChain();
    stored.mutable_snapshot()->set_job_id("j");
    stored.mutable_snapshot()->set_snapshot_id(absl::StrCat("s", i));
    stored.mutable_snapshot()->mutable_observed_at()->set_seconds(1000 + 60 * i);
    stored.mutable_snapshot()->set_seconds_since_restart(600 + 60 * i);
    const JobGraph graph(stored.snapshot());
    for (const auto& label : LabelBottlenecks(graph, nullptr))
      *stored.add_labels() = label;
    v1::Recommendation answer;
    answer.set_job_id("j");
    answer.set_snapshot_id(stored.snapshot().snapshot_id());
    auto put = store_.PutSnapshotAndRecommendation(
        "t", stored, answer,
        FineTuneRequest{"shared", cluster_.model_id(), cluster_.version()});
    ASSERT_TRUE(put.ok()) << put.status();
  }

  FineTuneWorker Worker(int min_labelled = 2) {
    FineTuneWorkerOptions options;
    options.fine_tune.min_labelled_snapshots = min_labelled;
    options.on_task = [this](const FineTuneTask&, const absl::Status& outcome) {
      outcomes_.push_back(outcome);
    };
    return FineTuneWorker(&store_, &models_, &trainer_, options);
  }

  bool Pending() { return store_.GetJob("t", "j")->fine_tune_pending(); }

  InMemoryStore store_;
  NeedTrainer trainer_;
  ModelRepository models_;
  v1::Model cluster_;
  std::vector<absl::Status> outcomes_;
};

TEST_F(FineTuneWorkerTest, TrainsTheJobsModelFromItsClusterModelAndEmptiesTheQueue) {
  Decide(1);
  Decide(2);
  FineTuneWorker worker = Worker();
  auto ran = worker.RunOne();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_TRUE(*ran);
  ASSERT_EQ(outcomes_.size(), 1u);
  EXPECT_TRUE(outcomes_[0].ok()) << outcomes_[0];
  EXPECT_EQ(trainer_.trained, 1);
  EXPECT_FALSE(Pending());
  auto model = store_.GetModel("t", JobModelId("j"), 0);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->kind(), kJobModelKind);
  EXPECT_EQ(model->cluster_id(), "cluster-0");
  EXPECT_EQ(model->metrics().at("cluster_version"), cluster_.version());
  EXPECT_EQ(model->metrics().at("through_sequence"), 2);
  EXPECT_EQ(model->metrics().at("labelled_snapshots"), 2);
  EXPECT_TRUE(FineTunedFrom(*model, cluster_));
  EXPECT_EQ(*store_.GetModelWeights("t", JobModelId("j"), 0), "1,3,1");
  // Nothing left to do.
  ran = worker.RunOne();
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(*ran);
}

TEST_F(FineTuneWorkerTest, TooLittleHistoryDropsTheRequestWithoutTraining) {
  Decide(1);
  FineTuneWorker worker = Worker(/*min_labelled=*/5);
  ASSERT_TRUE(worker.RunOne().ok());
  ASSERT_EQ(outcomes_.size(), 1u);
  EXPECT_EQ(outcomes_[0].code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(trainer_.trained, 0);
  EXPECT_FALSE(Pending());
}

TEST_F(FineTuneWorkerTest, AMissingClusterModelIsRetriedThenDropped) {
  Decide(1);
  Decide(2);
  ASSERT_TRUE(store_
                  .PutSnapshotAndRecommendation(
                      "t",
                      [] {
                        v1::StoredSnapshot s;
                        *s.mutable_snapshot() = testing::ValidChain();
                        s.mutable_snapshot()->set_job_id("j");
                        s.mutable_snapshot()->set_snapshot_id("s3");
                        s.mutable_snapshot()->mutable_observed_at()->set_seconds(1300);
                        return s;
                      }(),
                      v1::Recommendation(), FineTuneRequest{"shared", "gone", 7})
                  .ok());
  FineTuneWorker worker = Worker();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto ran = worker.RunOne();
    ASSERT_TRUE(ran.ok()) << ran.status();
    EXPECT_TRUE(*ran) << attempt;
  }
  ASSERT_EQ(outcomes_.size(), 3u);
  EXPECT_EQ(outcomes_[2].code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Pending());  // Given up after the third attempt.
}

TEST_F(FineTuneWorkerTest, BackgroundThreadsDrainTheQueue) {
  Decide(1);
  Decide(2);
  FineTuneWorker worker = Worker();
  worker.Start(2);
  worker.Wake();
  // Poll with a deadline for the background work.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Pending() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  worker.Stop();
  EXPECT_FALSE(Pending());
  EXPECT_TRUE(store_.GetModel("t", JobModelId("j"), 0).ok());
}

}  // namespace
}  // namespace streamtune
