// Pretrainer over an InMemoryStore with a deterministic fake trainer: the
// tenant's history is clustered, one model per cluster plus a global model
// are trained and stored, and the run is published.
#include "server/core/learning/pretraining.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/need_model.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::NeedTrainer;
using ::testing::StartsWith;

class PretrainingTest : public ::testing::Test {
 protected:
  PretrainingTest() {
    options_.k_min = 2;
    options_.k_max = 2;
    options_.min_cluster_size = 1;
    options_.progress = [this](const std::string& line) { progress_.push_back(line); };
  }

  // Stores `snapshot` as job `job_id`'s, labelled as TuningCore would.
  void Report(const std::string& job_id, v1::Snapshot snapshot) {
    snapshot.set_job_id(job_id);
    v1::StoredSnapshot stored;
    *stored.mutable_snapshot() = snapshot;
    for (const auto& label : LabelBottlenecks(JobGraph(snapshot), nullptr)) {
      *stored.add_labels() = label;
    }
    auto put = store_.PutSnapshot("t", stored);
    ASSERT_TRUE(put.ok()) << put.status();
  }

  // Two snapshots (four training samples) of a 3-operator chain job.
  void ShortChainJob(const std::string& job_id) {
    Report(job_id, testing::ValidChain("s1", 1000));
    Report(job_id, testing::ValidChain("s2", 1060));
  }
  // Two snapshots (four training samples) of a 5-operator chain job.
  void LongChainJob(const std::string& job_id) {
    Report(job_id, testing::ThrottledChain("s1", 1000, 0));
    Report(job_id, testing::ThrottledChain("s2", 1060, 0));
  }

  InMemoryStore store_;
  NeedTrainer trainer_;
  ModelRepository models_{&store_, &trainer_};
  Pretrainer pretrainer_{&store_, &models_, &trainer_};
  PretrainOptions options_;
  std::vector<std::string> progress_;
};

TEST_F(PretrainingTest, WithoutAnyHistoryIsFailedPrecondition) {
  auto response = pretrainer_.Run("t", options_);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(trainer_.trained, 0);
  auto run = store_.NewestPretrainRun("t");
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->has_value());
}

TEST_F(PretrainingTest, WithOnlyStabilisingHistoryIsFailedPrecondition) {
  v1::Snapshot warming = testing::ValidChain("s1", 1000);
  warming.set_seconds_since_restart(10);
  Report("job", warming);
  auto response = pretrainer_.Run("t", options_);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("no labelled history"));
  EXPECT_EQ(trainer_.trained, 0);
}

TEST_F(PretrainingTest, TrainsOneModelPerClusterAndAGlobalOneAndPublishesTheRun) {
  ShortChainJob("short-a");
  ShortChainJob("short-b");
  LongChainJob("long-a");
  LongChainJob("long-b");
  auto response = pretrainer_.Run("t", options_);
  ASSERT_TRUE(response.ok()) << response.status();

  // Two clusters of two jobs (eight samples each), then the global model on
  // all sixteen.
  ASSERT_EQ(response->models_size(), 3);
  EXPECT_EQ(trainer_.trained, 3);
  EXPECT_THAT(trainer_.sample_counts, ElementsAre(8, 8, 16));
  const std::string run = response->models(0).pretrain_run();
  EXPECT_THAT(run, StartsWith("run-"));
  std::set<int> medoid_sizes;
  for (int c = 0; c < 2; ++c) {
    const v1::Model& cluster = response->models(c);
    EXPECT_EQ(cluster.kind(), kClusterModelKind);
    EXPECT_EQ(cluster.model_id(), run + ".cluster-" + std::to_string(c));
    EXPECT_EQ(cluster.cluster_id(), "cluster-" + std::to_string(c));
    EXPECT_EQ(cluster.pretrain_run(), run);
    EXPECT_EQ(cluster.version(), 1);
    EXPECT_EQ(cluster.metrics().at("jobs"), 2);
    EXPECT_EQ(cluster.metrics().at("train_positives"), 1);  // From the trainer.
    // The medoid is one member's DAG, without metrics.
    const v1::Snapshot& medoid = cluster.medoid();
    medoid_sizes.insert(medoid.operators_size());
    const std::string prefix = medoid.operators_size() == 3 ? "short-" : "long-";
    EXPECT_THAT(medoid.job_id(), StartsWith(prefix));
    EXPECT_EQ(medoid.edges_size(), medoid.operators_size() - 1);
    for (const auto& op : medoid.operators()) EXPECT_FALSE(op.has_metrics());
  }
  EXPECT_THAT(medoid_sizes, ElementsAre(3, 5));
  const v1::Model& global = response->models(2);
  EXPECT_EQ(global.kind(), kGlobalModelKind);
  EXPECT_EQ(global.model_id(), run + ".global");
  EXPECT_EQ(global.metrics().at("jobs"), 4);
  EXPECT_FALSE(global.has_medoid());

  // Every model is stored, and the published run lists the same models.
  for (const v1::Model& model : response->models()) {
    EXPECT_TRUE(store_.GetModel("t", model.model_id(), model.version()).ok())
        << model.model_id();
  }
  auto published = store_.NewestPretrainRun("t");
  ASSERT_TRUE(published.ok() && published->has_value());
  EXPECT_EQ((*published)->run_id(), run);
  ASSERT_EQ((*published)->models_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*published)->models(i).model_id(), response->models(i).model_id());
  }

  EXPECT_THAT(progress_,
              Contains("pretrain: 4 jobs with labelled history, 16 samples"));
  EXPECT_THAT(progress_, Contains(StartsWith("pretrain: 2 clusters (silhouette ")));
  EXPECT_THAT(progress_,
              Contains(StartsWith("pretrain: training global on 16 samples")));
  EXPECT_THAT(progress_, Contains("pretrain: published " + run));
}

TEST_F(PretrainingTest, SubsamplesAClusterBeyondMaxSamplesPerModel) {
  ShortChainJob("short-a");
  ShortChainJob("short-b");
  LongChainJob("long-a");
  LongChainJob("long-b");
  options_.max_samples_per_model = 5;
  auto response = pretrainer_.Run("t", options_);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(trainer_.sample_counts, ElementsAre(5, 5, 5));
}

TEST_F(PretrainingTest, SharesTheStepBudgetAmongTheModelsBySamples) {
  ShortChainJob("short-a");
  ShortChainJob("short-b");
  LongChainJob("long-a");
  LongChainJob("long-b");
  options_.training_step_budget = 3200;
  options_.min_steps_per_model = 10;
  ASSERT_TRUE(pretrainer_.Run("t", options_).ok());
  // 8 + 8 + 16 samples: a quarter, a quarter and half of the budget.
  EXPECT_THAT(trainer_.max_steps, ElementsAre(800, 800, 1600));

  // The request's cap wins when smaller; the floor when the share is tiny.
  options_.train.max_steps = 1000;
  ASSERT_TRUE(pretrainer_.Run("t", options_).ok());
  EXPECT_THAT(trainer_.max_steps, ElementsAre(800, 800, 1600, 800, 800, 1000));
  options_.training_step_budget = 20;
  options_.min_steps_per_model = 7;
  ASSERT_TRUE(pretrainer_.Run("t", options_).ok());
  EXPECT_EQ(trainer_.max_steps.back(), 10);
  EXPECT_EQ(trainer_.max_steps[6], 7);
}

}  // namespace
}  // namespace streamtune
