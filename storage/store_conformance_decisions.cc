// The store conformance suite, part three: the decision path (one read, one
// write) and the fine-tuning queue. The queue is shared by every tenant of a
// database, so these tests run on a store of their own
// (StoreFactory::make_isolated). Same fixture and instantiations as
// store_conformance.cc.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fingerprint.h"
#include "storage/store_conformance.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

v1::Model ClusterModel(const std::string& run) {
  v1::Model m;
  m.set_model_id(run + ".cluster-0");
  m.set_cluster_id("cluster-0");
  m.set_kind("cluster");
  m.set_pretrain_run(run);
  return m;
}

v1::PretrainRun RunOf(const std::string& run_id, const v1::Model& model) {
  v1::PretrainRun run;
  run.set_run_id(run_id);
  *run.add_models() = model;
  return run;
}

FineTuneRequest RequestFor(const std::string& tenant) {
  return FineTuneRequest{tenant, "run.cluster-0", 1};
}

}  // namespace

v1::Recommendation DecisionPathTest::Decide(const std::string& job,
                                            const std::string& id, int64_t seconds) {
  v1::Recommendation answer = TestRecommendation("streamtune", 3);
  answer.set_cluster_id("cluster-0");
  answer.set_model_version(1);
  auto stored = store_->PutSnapshotAndRecommendation(
      tenant_, TestSnapshot(job, id, seconds), answer, RequestFor(tenant_));
  EXPECT_TRUE(stored.ok()) << stored.status();
  return stored.ok() ? *stored : v1::Recommendation();
}

FineTuneTask DecisionPathTest::Claim(absl::Duration lease) {
  auto task = store_->ClaimFineTune(lease, 3);
  EXPECT_TRUE(task.ok()) << task.status();
  EXPECT_TRUE(task.ok() && task->has_value());
  return task.ok() && task->has_value() ? **task : FineTuneTask();
}

bool DecisionPathTest::Pending(const std::string& job) {
  auto summary = store_->GetJob(tenant_, job);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() && summary->fine_tune_pending();
}

v1::Model DecisionPathTest::JobModel() {
  v1::Model m;
  m.set_model_id("job:j");
  m.set_kind("job");
  m.set_job_id("j");
  m.set_cluster_id("cluster-0");
  (*m.mutable_metrics())["cluster_version"] = 1;
  return m;
}

namespace {

TEST_P(DecisionPathTest, LoadDecisionInputsReadsEverythingADecisionNeeds) {
  const std::string shared = RandomTenant();
  ASSERT_TRUE(
      store_->PutPretrainRun(shared, RunOf("shared-run", ClusterModel("s"))).ok());
  for (int i = 1; i <= 3; ++i) Decide("j", absl::StrCat("s", i), 100 * i);
  ASSERT_TRUE(store_->PutModel(tenant_, JobModel(), "w1").ok());
  ASSERT_TRUE(store_->PutModel(tenant_, JobModel(), "w2").ok());

  DecisionReadRequest read{"j", "s4", 2, 1, {tenant_, shared}, "job:j"};
  auto inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->history.size(), 2u);  // The newest two, oldest first.
  EXPECT_EQ(inputs->history[0].snapshot().snapshot_id(), "s2");
  EXPECT_EQ(inputs->history[1].snapshot().snapshot_id(), "s3");
  EXPECT_EQ(inputs->history[1].sequence(), 3);
  EXPECT_EQ(inputs->history[1].labels_size(), 1);
  ASSERT_EQ(inputs->recommendations.size(), 1u);
  EXPECT_EQ(inputs->recommendations[0].snapshot_id(), "s3");
  EXPECT_FALSE(inputs->stored_fingerprint.has_value());
  // A retry of s3: its stored content and answer, and no history (the
  // stored answer is all it returns).
  read.snapshot_id = "s3";
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->history.empty());
  EXPECT_TRUE(inputs->recommendations.empty());
  ASSERT_TRUE(inputs->stored_fingerprint.has_value());
  ASSERT_TRUE(inputs->stored_recommendation.has_value());
  EXPECT_EQ(inputs->stored_recommendation->snapshot_id(), "s3");
  // The tenant has no run of its own: the shared tenant's serves.
  ASSERT_TRUE(inputs->run.has_value());
  EXPECT_EQ(inputs->run->run_id(), "shared-run");
  EXPECT_EQ(inputs->run_tenant, shared);
  ASSERT_TRUE(inputs->job_model.has_value());
  EXPECT_EQ(inputs->job_model->version(), 2);
  EXPECT_EQ(inputs->job_model->cluster_id(), "cluster-0");
  EXPECT_EQ(inputs->job_model->metrics().at("cluster_version"), 1);

  // Its own run wins once it has one; a new snapshot has no stored copy.
  ASSERT_TRUE(
      store_->PutPretrainRun(tenant_, RunOf("own-run", ClusterModel("o"))).ok());
  read.snapshot_id = "s4";
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_EQ(inputs->run->run_id(), "own-run");
  EXPECT_EQ(inputs->run_tenant, tenant_);
  EXPECT_FALSE(inputs->stored_fingerprint.has_value());
  EXPECT_FALSE(inputs->stored_recommendation.has_value());
}

TEST_P(DecisionPathTest, LoadDecisionInputsBoundsTheHistoryInBytes) {
  // Snapshots of different sizes (more operators, more bytes).
  for (int i = 1; i <= 5; ++i) {
    v1::StoredSnapshot snapshot = TestSnapshot("j", absl::StrCat("s", i), 100 * i);
    for (int extra = 0; extra < 10 * i; ++extra) {
      v1::Operator* op = snapshot.mutable_snapshot()->add_operators();
      *op = snapshot.snapshot().operators(1);
      op->set_id(absl::StrCat("extra-", extra));
    }
    ASSERT_TRUE(store_
                    ->PutSnapshotAndRecommendation(tenant_, snapshot,
                                                   TestRecommendation("ds2", 3))
                    .ok());
  }
  auto all = store_->RecentSnapshots(tenant_, "j", 5);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  // What the newest three weigh: both stores measure it alike.
  const int64_t newest_three = StoredSnapshotBytes((*all)[2]) +
                               StoredSnapshotBytes((*all)[3]) +
                               StoredSnapshotBytes((*all)[4]);

  DecisionReadRequest read{"j", "s6", 128, 8, {}, ""};
  read.history_bytes = newest_three;
  auto inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->history.size(), 3u);  // The newest that fit, oldest first.
  EXPECT_EQ(inputs->history[0].snapshot().snapshot_id(), "s3");
  EXPECT_EQ(inputs->history[2].snapshot().snapshot_id(), "s5");
  EXPECT_TRUE(ProtoEq(inputs->history[2], (*all)[4]));
  EXPECT_EQ(inputs->recommendations.size(), 5u);  // Answers are counted only.

  read.history_bytes = newest_three - 1;  // s3 no longer fits.
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->history.size(), 2u);
  EXPECT_EQ(inputs->history[0].snapshot().snapshot_id(), "s4");

  read.history_bytes = StoredSnapshotBytes((*all)[4]) - 1;  // Not even the newest.
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->history.empty());

  read.history_bytes = int64_t{1} << 40;  // The count bounds it then.
  read.history_snapshots = 4;
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->history.size(), 4u);
  EXPECT_EQ(inputs->history[0].snapshot().snapshot_id(), "s2");
}

TEST_P(DecisionPathTest, LoadDecisionInputsTakesKeysAsData) {
  // PostgresStore sends this read with its values as quoted literals: keys
  // with quotes, backslashes and parameter markers are data, not SQL.
  const std::string job = "j'; DROP TABLE jobs; --$1\\";
  Decide(job, "s$3'", 100);
  DecisionReadRequest read{job, "s2", 8, 8, {tenant_}, "job:" + job};
  auto inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->history.size(), 1u);
  EXPECT_EQ(inputs->history[0].snapshot().job_id(), job);
  EXPECT_EQ(inputs->history[0].snapshot().snapshot_id(), "s$3'");
  read.snapshot_id = "s$3'";
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->stored_recommendation.has_value());
  EXPECT_TRUE(store_->GetJob(tenant_, job).ok());
}

TEST_P(DecisionPathTest, AReportedSnapshotsRetryReadsNoHistory) {
  Decide("j", "s1", 100);
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("j", "s2", 200)).ok());
  // Recommend on s2, stored without an answer: it needs the history.
  DecisionReadRequest read{"j", "s2", 8, 8, {}, ""};
  auto inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->stored_fingerprint.has_value());
  EXPECT_FALSE(inputs->stored_recommendation.has_value());
  EXPECT_EQ(inputs->history.size(), 2u);
  EXPECT_EQ(inputs->recommendations.size(), 1u);
  // ReportSnapshot's retry of s2: the stored snapshot is all it needs.
  read.snapshot_stored_suffices = true;
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->stored_fingerprint.has_value());
  EXPECT_TRUE(inputs->history.empty());
  EXPECT_TRUE(inputs->recommendations.empty());
  // ReportSnapshot of a new snapshot reads the history.
  read.snapshot_id = "s3";
  inputs = store_->LoadDecisionInputs(tenant_, read);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_EQ(inputs->history.size(), 2u);
}

TEST_P(DecisionPathTest, LoadDecisionInputsOfAnUnknownJobIsEmpty) {
  auto inputs = store_->LoadDecisionInputs(
      tenant_, DecisionReadRequest{"nobody", "s1", 8, 8, {}, ""});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_TRUE(inputs->history.empty());
  EXPECT_TRUE(inputs->recommendations.empty());
  EXPECT_FALSE(inputs->run.has_value());
  EXPECT_FALSE(inputs->job_model.has_value());
}

TEST_P(DecisionPathTest, ADecisionCommitsTheJobsModelAndItsFineTuningRequest) {
  Decide("j", "s1", 100);
  auto job = store_->GetJob(tenant_, "j");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->cluster_id(), "cluster-0");
  EXPECT_EQ(job->model_version(), 1);
  EXPECT_TRUE(job->fine_tune_pending());

  const FineTuneTask task = Claim();
  EXPECT_EQ(task.tenant, tenant_);
  EXPECT_EQ(task.job_id, "j");
  EXPECT_EQ(task.through_sequence, 1);
  EXPECT_EQ(task.attempts, 1);
  EXPECT_EQ(task.request.cluster_model_id, "run.cluster-0");
  EXPECT_EQ(task.request.cluster_model_version, 1);
  // Claimed: no one else gets it.
  auto none = store_->ClaimFineTune(absl::Minutes(1), 3);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  auto model = store_->CompleteFineTune(task, JobModel(), "weights");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->version(), 1);
  EXPECT_FALSE(Pending("j"));
  auto weights = store_->GetModelWeights(tenant_, "job:j", 1);
  ASSERT_TRUE(weights.ok()) << weights.status();
  EXPECT_EQ(*weights, "weights");
}

TEST_P(DecisionPathTest, ARequestMadeDuringTrainingStaysQueued) {
  Decide("j", "s1", 100);
  const FineTuneTask first = Claim();
  Decide("j", "s2", 200);  // The job asks again while the first trains.
  ASSERT_TRUE(store_->CompleteFineTune(first, JobModel(), "w").ok());
  EXPECT_TRUE(Pending("j"));
  const FineTuneTask second = Claim();
  EXPECT_EQ(second.through_sequence, 2);
  EXPECT_GT(second.generation, first.generation);
  EXPECT_EQ(second.attempts, 1);
}

TEST_P(DecisionPathTest, AnotherWorkerTakesOverWhenALeaseRunsOut) {
  Decide("j", "s1", 100);
  const FineTuneTask lost = Claim(absl::Milliseconds(1));  // Its replica died.
  // Poll (with a deadline) until the lease has run out.
  std::optional<FineTuneTask> taken;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!taken.has_value() && absl::Now() < deadline) {
    auto task = store_->ClaimFineTune(absl::Minutes(1), 3);
    ASSERT_TRUE(task.ok()) << task.status();
    taken = *task;
  }
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->job_id, lost.job_id);
  EXPECT_EQ(taken->attempts, 2);
  // A request claimed max_attempts times is not taken again.
  ASSERT_TRUE(store_->ReleaseFineTune(*taken, /*retry=*/true).ok());
  auto none = store_->ClaimFineTune(absl::Minutes(1), 2);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

TEST_P(DecisionPathTest, ReleasingRetriesOrDropsTheRequest) {
  Decide("j", "s1", 100);
  ASSERT_TRUE(store_->ReleaseFineTune(Claim(), /*retry=*/true).ok());
  const FineTuneTask again = Claim();
  EXPECT_EQ(again.attempts, 2);
  ASSERT_TRUE(store_->ReleaseFineTune(again, /*retry=*/false).ok());
  EXPECT_FALSE(Pending("j"));
}

TEST_P(DecisionPathTest, SnapshotsThroughReadsUpToTheSequence) {
  for (int i = 1; i <= 4; ++i) Decide("j", absl::StrCat("s", i), 100 * i);
  auto through = store_->SnapshotsThrough(tenant_, "j", 3, 2);
  ASSERT_TRUE(through.ok()) << through.status();
  ASSERT_EQ(through->size(), 2u);
  EXPECT_EQ((*through)[0].sequence(), 2);
  EXPECT_EQ((*through)[1].sequence(), 3);
}

TEST_P(DecisionPathTest, ARetryCarryingFieldsThisServerDoesNotKnowIsIdempotent) {
  // A client on a newer proto sends a field this server does not know; its
  // identical retry must get the stored answer, not ALREADY_EXISTS (the
  // fingerprint is of what the client sent, not of a stored copy).
  v1::StoredSnapshot snapshot = TestSnapshot("j", "s1", 100);
  snapshot.mutable_snapshot()
      ->GetReflection()
      ->MutableUnknownFields(snapshot.mutable_snapshot())
      ->AddVarint(9999, 42);
  const v1::Recommendation answer = TestRecommendation("ds2", 3);
  auto first = store_->PutSnapshotAndRecommendation(tenant_, snapshot, answer);
  ASSERT_TRUE(first.ok()) << first.status();
  auto retry = store_->PutSnapshotAndRecommendation(tenant_, snapshot,
                                                    TestRecommendation("ds2", 5));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->operators(0).recommended_parallelism(), 3);  // The first answer.
  auto inputs =
      store_->LoadDecisionInputs(tenant_, DecisionReadRequest{"j", "s1", 8, 8, {}, ""});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_TRUE(inputs->stored_fingerprint.has_value());
  EXPECT_EQ(*inputs->stored_fingerprint, SnapshotFingerprint(snapshot.snapshot()));
  // The same snapshot without the unknown field is other content.
  EXPECT_EQ(
      store_
          ->PutSnapshotAndRecommendation(tenant_, TestSnapshot("j", "s1", 100), answer)
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);
}

}  // namespace

}  // namespace streamtune
