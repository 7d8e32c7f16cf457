#include "client/flink/flink_snapshot.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::flink {
namespace {

using ::testing::ElementsAre;

FlinkJob TwoVertexJob(int64_t now_ms, int sink_parallelism) {
  FlinkJob job;
  job.id = "j";
  job.state = "RUNNING";
  job.now_ms = now_ms;
  job.running_since_ms = 1'000'000;
  job.vertices = {FlinkVertex{"src", "Source: events", "RUNNING", 1, 128},
                  FlinkVertex{"agg", "aggregate", "RUNNING", sink_parallelism, 128}};
  return job;
}

const std::vector<FlinkInput> kPlan = {FlinkInput{"src", "agg", "HASH"}};

TEST(MetricsToRequest, AsksOnlyForListedNamesItUses) {
  EXPECT_THAT(
      MetricsToRequest({"busyTimeMsPerSecond", "mailboxQueueSize", "numRecordsIn",
                        "Source__x.pendingRecords", "Source__x.numRecordsOut",
                        "Source__k.millisBehindLatest", "Source__x.sourceIdleTime"}),
      ElementsAre("busyTimeMsPerSecond", "numRecordsIn", "Source__x.pendingRecords",
                  "Source__k.millisBehindLatest"));
}

TEST(VertexMetricsFrom, PicksTheAggregateEachMetricNeeds) {
  AggregatedMetrics m;
  m["busyTimeMsPerSecond"] = {std::nullopt, 900.0, 600.0, 1200.0};
  m["backPressuredTimeMsPerSecond"] = {std::nullopt, 300.0, 100.0, 200.0};
  m["numRecordsIn"] = {std::nullopt, 50.0, 25.0, 100.0};
  m["A.pendingRecords"] = {std::nullopt, 5.0, 5.0, 5.0};
  m["B.pendingRecords"] = {std::nullopt, 7.0, 7.0, 7.0};
  const VertexMetrics v = VertexMetricsFrom(m);
  EXPECT_EQ(*v.busy_ms_per_s_max, 900);
  EXPECT_EQ(*v.busy_ms_per_s_avg, 600);
  EXPECT_EQ(*v.backpressured_ms_per_s_max, 300);
  EXPECT_EQ(*v.records_in, 100);  // Summed over subtasks.
  EXPECT_EQ(*v.source_lag.pending_records, 12);
  EXPECT_FALSE(v.idle_ms_per_s_avg.has_value());
}

TEST(BuildSnapshot, WindowedRatesComeFromCounterDifferences) {
  JobSample before{TwoVertexJob(1'100'000, 2), {}};
  JobSample now{TwoVertexJob(1'110'000, 2), {}};  // 10 s later.
  before.metrics["src"].records_out = 1000;
  now.metrics["src"].records_out = 6000;
  now.metrics["src"].records_out_per_s = 1;  // The 60 s meter: ignored.
  now.metrics["src"].source_lag.pending_records = 42;
  before.metrics["agg"].records_in = 1000;
  now.metrics["agg"].records_in = 6000;
  before.metrics["agg"].busy_ms = 10'000;
  now.metrics["agg"].busy_ms = 26'000;  // 16 s busy over 2 × 10 s.
  now.metrics["agg"].busy_ms_per_s_max = 700;
  now.metrics["agg"].backpressured_ms_per_s_max = 0;
  // The source alone: its backpressure over exactly the window (the 60 s
  // gauge still remembers an older stall).
  before.metrics["src"].backpressured_ms = 1000;
  now.metrics["src"].backpressured_ms = 3000;
  now.metrics["src"].backpressured_ms_per_s_max = 900;

  auto snapshot = BuildSnapshot(now, &before, kPlan,
                                SnapshotOptions{"flink/j", 4, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->job_id(), "flink/j");
  EXPECT_EQ(snapshot->snapshot_id(), "t1110000");
  EXPECT_EQ(snapshot->engine(), v1::ENGINE_FLINK);
  EXPECT_DOUBLE_EQ(snapshot->window_s(), 10);
  EXPECT_DOUBLE_EQ(snapshot->seconds_since_restart(), 110);
  EXPECT_EQ(snapshot->observed_at().seconds(), 1110);

  const v1::Operator& src = snapshot->operators(0);
  EXPECT_EQ(src.kind(), v1::OPERATOR_KIND_SOURCE);
  EXPECT_DOUBLE_EQ(src.metrics().records_in_per_s(), 500);  // What it read = emitted.
  EXPECT_DOUBLE_EQ(src.metrics().records_out_per_s(), 500);
  EXPECT_DOUBLE_EQ(src.metrics().pending_records(), 42);
  EXPECT_EQ(src.metrics().backlog_signal(), v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  EXPECT_DOUBLE_EQ(src.metrics().backpressured_ms_per_s_max(), 200);
  EXPECT_EQ(src.max_parallelism(), 4);  // Capped.

  const v1::Operator& agg = snapshot->operators(1);
  EXPECT_EQ(agg.kind(), v1::OPERATOR_KIND_SINK);  // No outputs.
  EXPECT_DOUBLE_EQ(agg.metrics().records_in_per_s(), 500);
  EXPECT_DOUBLE_EQ(agg.metrics().busy_ms_per_s_avg(), 800);
  EXPECT_DOUBLE_EQ(agg.metrics().busy_ms_per_s_max(), 800);  // >= the average.
  EXPECT_FALSE(agg.metrics().has_pending_records());
  ASSERT_EQ(snapshot->edges_size(), 1);
  EXPECT_EQ(snapshot->edges(0).partitioning(), v1::PARTITIONING_HASH);
}

TEST(BuildSnapshot, WindowsAreTimedByWhenFlinkCollectedTheMetrics) {
  // The second sample's answers were 1 s older than its job details (the
  // REST store had not been refreshed since): 10 s of counters, not 11.
  JobSample before{TwoVertexJob(1'100'000, 1), {}};
  JobSample now{TwoVertexJob(1'111'000, 1), {}};
  before.metrics_at_ms = 1'100'000;
  now.metrics_at_ms = 1'110'000;
  before.metrics["src"].records_out = 1000;
  now.metrics["src"].records_out = 11'000;
  auto snapshot = BuildSnapshot(now, &before, kPlan,
                                SnapshotOptions{"flink/j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_DOUBLE_EQ(snapshot->window_s(), 10);
  EXPECT_DOUBLE_EQ(snapshot->operators(0).metrics().records_in_per_s(), 1000);
  EXPECT_EQ(snapshot->observed_at().seconds(), 1110);  // When, not when asked.
  EXPECT_EQ(snapshot->snapshot_id(), "t1111000");
  EXPECT_DOUBLE_EQ(snapshot->seconds_since_restart(), 110);
  EXPECT_EQ(MetricsTimeMs(now), 1'110'000);
  now.metrics_at_ms.reset();
  EXPECT_EQ(MetricsTimeMs(now), 1'111'000);  // Untimed: the details' clock.
}

TEST(SameRun, TwoReadsOfOneCollectionAreNoWindow) {
  JobSample before{TwoVertexJob(1'100'000, 1), {}};
  JobSample now{TwoVertexJob(1'110'000, 1), {}};
  before.metrics_at_ms = now.metrics_at_ms = 1'099'000;
  EXPECT_FALSE(SameRun(before, now));
}

TEST(BuildSnapshot, WithoutAWindowFallsBackToFlinksGaugesAndMeters) {
  JobSample now{TwoVertexJob(1'030'000, 1), {}};
  now.metrics["src"].records_out_per_s = 250;
  now.metrics["agg"].records_in_per_s = 250;
  now.metrics["agg"].busy_ms_per_s_avg = 1003;  // Rounding above 1000.
  now.metrics["agg"].busy_ms_per_s_max = 1003;
  auto snapshot =
      BuildSnapshot(now, nullptr, kPlan, SnapshotOptions{"j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_DOUBLE_EQ(snapshot->window_s(), 30);  // Flink's window so far.
  EXPECT_DOUBLE_EQ(snapshot->operators(0).metrics().records_in_per_s(), 250);
  // No backlog gauge and no time lag on a source (legacy, or nothing read
  // yet): the backlog is unknown, not 0.
  EXPECT_FALSE(snapshot->operators(0).metrics().has_pending_records());
  EXPECT_EQ(snapshot->operators(0).metrics().backlog_signal(), v1::BACKLOG_SIGNAL_NONE);
  EXPECT_DOUBLE_EQ(snapshot->operators(1).metrics().busy_ms_per_s_avg(), 1000);
  EXPECT_EQ(snapshot->operators(1).max_parallelism(), 128);
}

TEST(BuildSnapshot, MissingOrNaNMetricsStayUnset) {
  JobSample now{TwoVertexJob(1'030'000, 1), {}};  // No metrics at all for agg.
  auto snapshot =
      BuildSnapshot(now, nullptr, kPlan, SnapshotOptions{"j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok());
  const v1::OperatorMetrics& m = snapshot->operators(1).metrics();
  EXPECT_FALSE(m.has_busy_ms_per_s_avg());
  EXPECT_FALSE(m.has_busy_ms_per_s_max());
  EXPECT_FALSE(m.has_records_in_per_s());
  EXPECT_FALSE(m.has_backpressured_ms_per_s_max());
}

TEST(BuildSnapshot, ADifferentRunIsNoWindow) {
  JobSample before{TwoVertexJob(1'100'000, 1), {}};
  JobSample now{TwoVertexJob(1'110'000, 2), {}};  // Rescaled in between.
  before.metrics["agg"].records_in = 1000;
  now.metrics["agg"].records_in = 100;
  now.metrics["agg"].records_in_per_s = 7;
  EXPECT_FALSE(SameRun(before, now));
  auto snapshot =
      BuildSnapshot(now, &before, kPlan, SnapshotOptions{"j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok());
  EXPECT_DOUBLE_EQ(snapshot->operators(1).metrics().records_in_per_s(), 7);
}

TEST(SameRun, RecordCountersGoingBackwardsMeanSubtasksRestarted) {
  JobSample before{TwoVertexJob(1'100'000, 1), {}};
  JobSample now{TwoVertexJob(1'110'000, 1), {}};
  EXPECT_TRUE(SameRun(before, now));
  before.metrics["agg"].records_in = 500;
  now.metrics["agg"].records_in = 100;
  EXPECT_FALSE(SameRun(before, now));
  EXPECT_FALSE(SameRun(now, now));  // Not later.
}

TEST(BuildSnapshot, BusyTimeSteppingBackFallsBackToTheGauge) {
  // Flink books backpressure in arrears: accumulated busy time can drop.
  JobSample before{TwoVertexJob(1'100'000, 1), {}};
  JobSample now{TwoVertexJob(1'110'000, 1), {}};
  before.metrics["agg"].busy_ms = 9000;
  now.metrics["agg"].busy_ms = 8000;
  now.metrics["agg"].busy_ms_per_s_avg = 300;
  EXPECT_TRUE(SameRun(before, now));
  auto snapshot =
      BuildSnapshot(now, &before, kPlan, SnapshotOptions{"j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok());
  EXPECT_DOUBLE_EQ(snapshot->operators(1).metrics().busy_ms_per_s_avg(), 300);
}

TEST(BuildSnapshot, RejectsAPlanNamingUnknownVertices) {
  JobSample now{TwoVertexJob(1'030'000, 1), {}};
  auto snapshot = BuildSnapshot(now, nullptr, {FlinkInput{"src", "ghost", "HASH"}},
                                SnapshotOptions{"j", 0, nullptr, nullptr});
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PartitioningOf, FromShipStrategies) {
  EXPECT_EQ(PartitioningOf("RESCALE"), v1::PARTITIONING_REBALANCE);
  EXPECT_EQ(PartitioningOf("CUSTOM"), v1::PARTITIONING_UNSPECIFIED);
}

}  // namespace
}  // namespace streamtune::flink
