#include "server/core/tuning_core.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class TuningCoreTest : public ::testing::Test {
 protected:
  TuningCoreTest() {
    EXPECT_TRUE(policies_.Add(std::make_unique<Ds2Policy>()).ok());
    EXPECT_TRUE(policies_.SetDefault("ds2").ok());
    TuningCoreOptions options;
    options.clock = [this] { return now_; };
    core_ = std::make_unique<TuningCore>(&store_, &policies_, options);
  }

  v1::SnapshotRequest Request(const v1::Snapshot& snapshot,
                              const std::string& policy = "") {
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = snapshot;
    request.set_policy(policy);
    return request;
  }

  int64_t StoredSnapshots(const std::string& job) {
    v1::ListSnapshotsRequest list;
    list.set_job_id(job);
    auto page = core_->ListSnapshots("t", list);
    return page.ok() ? page->snapshots_size() : -1;
  }

  InMemoryStore store_;
  PolicyRegistry policies_;
  absl::Time now_ = absl::FromUnixSeconds(2000);
  std::unique_ptr<TuningCore> core_;
};

TEST_F(TuningCoreTest, RecommendStoresTheSnapshotAndTheAnswerTogether) {
  auto answer = core_->Recommend("t", Request(testing::ValidChain()));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->policy(), "ds2");
  EXPECT_EQ(answer->job_id(), "job");
  EXPECT_EQ(answer->snapshot_id(), "s1");
  EXPECT_EQ(answer->operators_size(), 3);
  EXPECT_EQ(answer->current_total_parallelism(), 3);
  EXPECT_EQ(answer->created_at().seconds(), 2000);
  EXPECT_EQ(StoredSnapshots("job"), 1);
  v1::GetJobRequest get;
  get.set_job_id("job");
  auto job = core_->GetJob("t", get);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_EQ(job->last_policy(), "ds2");
}

TEST_F(TuningCoreTest, ARetryReturnsTheStoredAnswerAndStoresNothingTwice) {
  auto first = core_->Recommend("t", Request(testing::ValidChain()));
  ASSERT_TRUE(first.ok());
  now_ += absl::Minutes(5);
  auto retry = core_->Recommend("t", Request(testing::ValidChain()));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(StoredSnapshots("job"), 1);
}

TEST_F(TuningCoreTest, ADifferentSnapshotUnderAUsedIdIsRejected) {
  ASSERT_TRUE(core_->Recommend("t", Request(testing::ValidChain())).ok());
  v1::Snapshot changed = testing::ValidChain();
  changed.mutable_operators(1)->set_parallelism(2);
  auto answer = core_->Recommend("t", Request(changed));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(answer.status().message()),
              StartsWith("snapshot.snapshot_id: \"s1\" is already stored"));
  auto report = core_->ReportSnapshot("t", Request(changed));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StoredSnapshots("job"), 1);
}

TEST_F(TuningCoreTest, InvalidInputStoresNothing) {
  v1::Snapshot bad = testing::ValidChain();
  testing::AddEdge(&bad, "map", "joinn");
  auto answer = core_->Recommend("t", Request(bad));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(answer.status().message()),
              HasSubstr("snapshot.edges[2].to: unknown operator \"joinn\""));
  EXPECT_EQ(core_->ReportSnapshot("t", Request(bad)).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::GetJobRequest get;
  get.set_job_id("job");
  EXPECT_EQ(core_->GetJob("t", get).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TuningCoreTest, RejectsMissingSnapshotUnknownPolicyAndBadTenant) {
  EXPECT_EQ(core_->Recommend("t", v1::SnapshotRequest()).status().message(),
            "snapshot: required");
  auto unknown = core_->Recommend("t", Request(testing::ValidChain(), "magic"));
  EXPECT_THAT(std::string(unknown.status().message()),
              StartsWith("policy: unknown policy \"magic\" (known: ds2)"));
  EXPECT_EQ(
      core_->Recommend("Bad Tenant", Request(testing::ValidChain())).status().code(),
      absl::StatusCode::kInvalidArgument);
  v1::GetJobRequest get;
  get.set_job_id("job");
  EXPECT_EQ(core_->GetJob("t", get).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TuningCoreTest, ReportThenRecommendTheSameSnapshot) {
  auto report = core_->ReportSnapshot("t", Request(testing::ValidChain()));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->stored());
  EXPECT_EQ(report->sequence(), 1);
  auto again = core_->ReportSnapshot("t", Request(testing::ValidChain()));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->stored());
  EXPECT_EQ(again->sequence(), 1);
  auto answer = core_->Recommend("t", Request(testing::ValidChain()));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(StoredSnapshots("job"), 1);
}

TEST_F(TuningCoreTest, StoresBottleneckLabelsWithTheSnapshot) {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(1000);
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(s)).ok());
  v1::ListSnapshotsRequest list;
  list.set_job_id("job");
  auto page = core_->ListSnapshots("t", list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->snapshots(0).labels_size(), 3);
  EXPECT_EQ(page->snapshots(0).labels(1).label(), v1::BOTTLENECK_LABEL_BOTTLENECK);
  EXPECT_EQ(page->snapshots(0).labels(0).label(), v1::BOTTLENECK_LABEL_HEALTHY);
}

TEST_F(TuningCoreTest, UsesTheJobsHistoryForBacklogGrowth) {
  v1::Snapshot first = testing::ValidChain("a", 940);
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(first)).ok());
  v1::Snapshot second = testing::ValidChain("b", 1000);
  // The backlog grew by 60000 in 60 s: 1000 more rec/s arrive than are read,
  // so the map (2000 rec/s per instance) needs 2 instances for 2200 rec/s.
  second.mutable_operators(0)->mutable_metrics()->set_pending_records(60000);
  auto answer = core_->Recommend("t", Request(second));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->operators(1).recommended_parallelism(), 2);
  EXPECT_TRUE(answer->apply());
}

TEST_F(TuningCoreTest, LabelsATimelyJobFallingBehindFromItsLastTwoIntervals) {
  // The map at 857 ms/s, below saturation (and its worker, shared with the
  // source and the sink at 20 ms/s each, at 897), while the source's
  // backlog grows 100 rec/s: once from the second snapshot, twice from the
  // third.
  auto timely = [](const std::string& id, int64_t at, double pending) {
    v1::Snapshot s = testing::ValidChain(id, at);
    s.set_semantics(v1::METRIC_SEMANTICS_TIMELY);
    s.mutable_operators(0)->mutable_metrics()->set_pending_records(pending);
    s.mutable_operators(0)->mutable_metrics()->set_busy_ms_per_s_max(20);
    s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(857);
    s.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(20);
    return s;
  };
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(timely("a", 880, 0))).ok());
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(timely("b", 940, 6000))).ok());
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(timely("c", 1000, 12000))).ok());
  v1::ListSnapshotsRequest list;
  list.set_job_id("job");
  auto page = core_->ListSnapshots("t", list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->snapshots_size(), 3);
  std::map<std::string, v1::BottleneckLabel> map_label;
  for (const auto& stored : page->snapshots()) {
    map_label[stored.snapshot().snapshot_id()] = stored.labels(1).label();
  }
  EXPECT_EQ(map_label["b"], v1::BOTTLENECK_LABEL_HEALTHY);
  EXPECT_EQ(map_label["c"], v1::BOTTLENECK_LABEL_BOTTLENECK);
}

TEST_F(TuningCoreTest, PaginationArgumentsAreValidated) {
  v1::ListJobsRequest list;
  list.set_page_size(5000);
  EXPECT_THAT(std::string(core_->ListJobs("t", list).status().message()),
              StartsWith("page_size: must be in [0, 1000]"));
  v1::ListSnapshotsRequest snapshots;
  EXPECT_THAT(std::string(core_->ListSnapshots("t", snapshots).status().message()),
              StartsWith("job_id: required"));
}

TEST_F(TuningCoreTest, ListingsFilterByTimeRangeAndCheckIt) {
  ASSERT_TRUE(core_->Recommend("t", Request(testing::ValidChain("a", 1000))).ok());
  v1::ListJobsRequest jobs;
  jobs.mutable_start_time()->set_seconds(1000 + 1);  // after the job was seen
  auto none = core_->ListJobs("t", jobs);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->jobs_size(), 0);
  jobs.mutable_start_time()->set_seconds(1000);
  auto some = core_->ListJobs("t", jobs);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->jobs_size(), 1);

  v1::ListRecommendationsRequest recommendations;
  recommendations.set_job_id(testing::ValidChain("a", 1000).job_id());
  recommendations.mutable_start_time()->set_seconds(5);
  recommendations.mutable_end_time()->set_seconds(5);
  EXPECT_EQ(
      std::string(core_->ListRecommendations("t", recommendations).status().message()),
      "end_time: must be after start_time");
  recommendations.mutable_end_time()->set_nanos(-3);
  EXPECT_EQ(
      std::string(core_->ListRecommendations("t", recommendations).status().message()),
      "end_time: not a valid timestamp");
}

TEST_F(TuningCoreTest, ACallWhoseDeadlinePassedStoresNothing) {
  auto answer = core_->Recommend("t", Request(testing::ValidChain()),
                                 absl::Now() - absl::Milliseconds(1));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(answer.status().message(), HasSubstr("nothing was stored"));
  v1::GetJobRequest get;
  get.set_job_id("job");
  EXPECT_EQ(core_->GetJob("t", get).status().code(), absl::StatusCode::kNotFound);
  // With time left, the same call goes through.
  EXPECT_TRUE(core_
                  ->Recommend("t", Request(testing::ValidChain()),
                              absl::Now() + absl::Seconds(10))
                  .ok());
}

// A policy with state to persist: asks for fine-tuning from a model it was
// handed (none here: the core has no ModelRepository).
class AsksForFineTuning : public Policy {
 public:
  absl::string_view name() const override { return "asks"; }
  absl::StatusOr<v1::Recommendation> Recommend(
      const PolicyInput& input) const override {
    return Decide(input)->recommendation;
  }
  absl::StatusOr<PolicyDecision> Decide(const PolicyInput& input) const override {
    models_seen = input.models != nullptr;
    PolicyDecision decision;
    for (const auto& op : input.graph.snapshot().operators()) {
      auto* out = decision.recommendation.add_operators();
      out->set_operator_id(op.id());
      out->set_current_parallelism(op.parallelism());
      out->set_recommended_parallelism(op.parallelism());
    }
    decision.recommendation.set_cluster_id("cluster-1");
    decision.recommendation.set_model_version(4);
    decision.fine_tune = FineTuneRequest{"shared", "run.cluster-1", 2};
    return decision;
  }
  bool uses_models() const override { return true; }
  mutable bool models_seen = true;
};

TEST_F(TuningCoreTest, CommitsAPolicysStateWithItsAnswer) {
  auto* asks = new AsksForFineTuning();
  ASSERT_TRUE(policies_.Add(std::unique_ptr<Policy>(asks)).ok());
  auto answer = core_->Recommend("t", Request(testing::ValidChain(), "asks"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_FALSE(asks->models_seen);  // This core loads no models.
  v1::GetJobRequest get;
  get.set_job_id("job");
  auto job = core_->GetJob("t", get);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->cluster_id(), "cluster-1");
  EXPECT_EQ(job->model_version(), 4);
  EXPECT_TRUE(job->fine_tune_pending());
  auto task = store_.ClaimFineTune(absl::Minutes(1), 3);
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_EQ((*task)->request.cluster_model_id, "run.cluster-1");
  EXPECT_EQ((*task)->through_sequence, 1);
}

TEST_F(TuningCoreTest, PretrainIsUnimplementedWithoutATrainer) {
  EXPECT_EQ(core_->Pretrain("t", v1::PretrainRequest()).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST_F(TuningCoreTest, AtTheStoredBytesQuotaNewSnapshotsAreRefusedAndRetriesServed) {
  auto first = core_->Recommend("t", Request(testing::ValidChain("s1", 100)));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(core_->ReportSnapshot("t", Request(testing::ValidChain("s2", 110))).ok());
  const absl::StatusOr<int64_t> usage = store_.TenantStoredBytes("t");
  ASSERT_TRUE(usage.ok());
  TenantQuotas quotas(Quota{RateLimit{}, /*stored_bytes=*/*usage});  // Reached.
  TuningCoreOptions options;
  options.quotas = &quotas;
  core_ = std::make_unique<TuningCore>(&store_, &policies_, options);

  auto refused = core_->Recommend("t", Request(testing::ValidChain("s3", 120)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr(absl::StrCat("its quota is ", *usage)));
  EXPECT_TRUE(IsNoRetry(refused.status()));
  EXPECT_EQ(core_->ReportSnapshot("t", Request(testing::ValidChain("s3", 120)))
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StoredSnapshots("job"), 2);
  EXPECT_EQ(store_.TenantStoredBytes("t").value_or(-1), *usage);

  // Retries, and a first answer on a snapshot stored by ReportSnapshot,
  // store nothing new: served.
  auto retry = core_->Recommend("t", Request(testing::ValidChain("s1", 100)));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->created_at().seconds(), first->created_at().seconds());
  EXPECT_TRUE(core_->Recommend("t", Request(testing::ValidChain("s2", 110))).ok());
  auto report = core_->ReportSnapshot("t", Request(testing::ValidChain("s1", 100)));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->stored());
  // Another tenant has its own quota.
  EXPECT_TRUE(core_->Recommend("u", Request(testing::ValidChain("s1", 100))).ok());
}

}  // namespace
}  // namespace streamtune
