#include "client/flink/flink_source_backlog.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "client/flink/flink_snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::flink {
namespace {

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(STREAMTUNE_FLINK_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SourceLagMetrics FromJson(const std::string& json) {
  auto parsed = ParseAggregatedMetrics(json);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? SourceLagMetricsFrom(*parsed) : SourceLagMetrics{};
}

TEST(FillSourceBacklog, PendingRecordsWinWhenTheSourceReportsThem) {
  // Recorded from Flink 1.20.3 (the harness's rate source).
  const SourceLagMetrics lag = FromJson(Testdata("source_metrics.json"));
  v1::OperatorMetrics out;
  FillSourceBacklog(lag, 0, 534, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  EXPECT_DOUBLE_EQ(out.pending_records(), 11963);
  EXPECT_FALSE(out.has_time_lag_s());
}

TEST(FillSourceBacklog, EstimatesFromMillisBehindLatestTimesTheReadRate) {
  // Recorded from Flink 1.20.3: the harness's time-lag source
  // (--source=time-lag) overloaded, two subtasks.
  const SourceLagMetrics lag = FromJson(Testdata("time_lag_source_metrics.json"));
  ASSERT_FALSE(lag.pending_records.has_value());
  ASSERT_TRUE(lag.millis_behind_latest.has_value());
  v1::OperatorMetrics out;
  FillSourceBacklog(lag, 0, 800, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  EXPECT_DOUBLE_EQ(out.time_lag_s(), *lag.millis_behind_latest / 1000);
  EXPECT_DOUBLE_EQ(out.pending_records(), *lag.millis_behind_latest / 1000 * 800);
  EXPECT_GT(out.pending_records(), 0);
}

TEST(FillSourceBacklog, TakesTheFurthestBehindSubtaskAndSkipsPlaceholders) {
  // Two Kinesis shards under one operator; Flink's "no record yet" values
  // (-1, Long.MIN_VALUE) are no lag at all.
  const SourceLagMetrics lag = FromJson(R"json([
    {"id":"Source__k.KinesisStreamsSource.shard-0.millisBehindLatest",
     "min":100.0,"max":2000.0,"avg":1050.0,"sum":2100.0},
    {"id":"Source__k.KinesisStreamsSource.shard-1.millisBehindLatest",
     "min":10.0,"max":3500.0,"avg":1755.0,"sum":3510.0},
    {"id":"Source__k.currentEmitEventTimeLag","min":-1.0,"max":-1.0,"avg":-1.0,"sum":-2.0},
    {"id":"Source__k.currentOutputWatermark","min":-9.223372036854776E18,
     "max":-9.223372036854776E18,"avg":-9.223372036854776E18,"sum":"NaN"}])json");
  EXPECT_EQ(lag.millis_behind_latest, 3500);
  EXPECT_FALSE(lag.emit_event_time_lag_ms.has_value());
  EXPECT_FALSE(lag.output_watermark_ms.has_value());
  v1::OperatorMetrics out;
  FillSourceBacklog(lag, 0, 100, &out);
  EXPECT_DOUBLE_EQ(out.pending_records(), 350);
}

TEST(FillSourceBacklog, FallsBackToTheEmitLagThenTheWatermarkLag) {
  SourceLagMetrics lag;
  lag.emit_event_time_lag_ms = 4000;
  lag.output_watermark_ms = 1'000'000;
  v1::OperatorMetrics out;
  FillSourceBacklog(lag, 1'010'000, 50, &out);
  EXPECT_DOUBLE_EQ(out.time_lag_s(), 4);
  EXPECT_DOUBLE_EQ(out.pending_records(), 200);
  lag.emit_event_time_lag_ms.reset();
  FillSourceBacklog(lag, 1'010'000, 50, &out);  // Watermark 10 s behind now.
  EXPECT_DOUBLE_EQ(out.time_lag_s(), 10);
  EXPECT_DOUBLE_EQ(out.pending_records(), 500);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
}

TEST(FillSourceBacklog, NoSignalIsNoneAndNeverZero) {
  v1::OperatorMetrics out;
  out.set_pending_records(7);  // Whatever was there is not a measurement.
  FillSourceBacklog(SourceLagMetrics{}, 1000, 50, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_NONE);
  EXPECT_FALSE(out.has_pending_records());
  // A time lag without a read rate cannot become records either.
  SourceLagMetrics lag;
  lag.millis_behind_latest = 2000;
  FillSourceBacklog(lag, 1000, std::nullopt, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_NONE);
  EXPECT_FALSE(out.has_pending_records());
}

TEST(FillSourceBacklog, ABacklogBeyondADoubleIsNotInfinite) {
  // Found by fuzz/flink_source_backlog_fuzzer.cc: finite pendingRecords
  // summed to infinity, and lag x rate overflowed, each giving an infinite
  // backlog the service refuses (pending_records must be finite), which
  // lost the whole snapshot. An overflowing sum is no count; the time lag
  // still applies.
  const SourceLagMetrics lag = FromJson(R"json([
    {"id":"Source__a.pendingRecords","sum":1e308},
    {"id":"Source__b.pendingRecords","sum":1e308},
    {"id":"Source__a.millisBehindLatest","max":5000.0}])json");
  EXPECT_FALSE(lag.pending_records.has_value());
  v1::OperatorMetrics out;
  FillSourceBacklog(lag, 0, 100, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  EXPECT_DOUBLE_EQ(out.pending_records(), 500);
  // A rate whose estimate overflows, or an infinite one, estimates nothing.
  for (double rate : {1e308, HUGE_VAL}) {
    FillSourceBacklog(lag, 0, rate, &out);
    EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_NONE) << rate;
    EXPECT_FALSE(out.has_pending_records()) << rate;
    EXPECT_FALSE(out.has_time_lag_s()) << rate;
  }
  // Nor does a non-finite count handed in directly.
  SourceLagMetrics infinite;
  infinite.pending_records = HUGE_VAL;
  FillSourceBacklog(infinite, 0, 100, &out);
  EXPECT_EQ(out.backlog_signal(), v1::BACKLOG_SIGNAL_NONE);
  EXPECT_FALSE(out.has_pending_records());
}

TEST(BuildSnapshot, ASourceWithOnlyATimeLagGetsAnEstimate) {
  FlinkJob job;
  job.id = "j";
  job.state = "RUNNING";
  job.running_since_ms = 1'000'000;
  job.vertices = {FlinkVertex{"src", "Source: kinesis", "RUNNING", 1, 128},
                  FlinkVertex{"sink", "Sink: out", "RUNNING", 1, 128}};
  JobSample before{job, {}};
  before.job.now_ms = 1'100'000;
  before.metrics["src"].records_out = 1000;
  JobSample now{job, {}};
  now.job.now_ms = 1'110'000;
  now.metrics["src"].records_out = 3000;  // 200 rec/s over 10 s.
  now.metrics["src"].source_lag.millis_behind_latest = 30'000;
  auto snapshot = BuildSnapshot(now, &before, {FlinkInput{"src", "sink", "FORWARD"}},
                                SnapshotOptions{"j", 0, nullptr, nullptr});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const v1::OperatorMetrics& m = snapshot->operators(0).metrics();
  EXPECT_EQ(m.backlog_signal(), v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  EXPECT_DOUBLE_EQ(m.time_lag_s(), 30);
  EXPECT_DOUBLE_EQ(m.pending_records(), 6000);
  // Only sources say anything about a backlog.
  EXPECT_EQ(snapshot->operators(1).metrics().backlog_signal(),
            v1::BACKLOG_SIGNAL_UNSPECIFIED);
}

}  // namespace
}  // namespace streamtune::flink
