#include "server/core/request_validation.h"

#include <cmath>
#include <string>

#include "common/tenant.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::AddEdge;
using testing::AddOperator;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::ValidChain;

// Expects INVALID_ARGUMENT whose message starts with `path`.
void ExpectInvalid(const v1::Snapshot& s, const std::string& path,
                   const std::string& detail = "") {
  absl::Status status = ValidateSnapshot(s, "snapshot");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(path + ": "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(detail));
}

TEST(ValidateSnapshot, AcceptsAValidChain) {
  EXPECT_TRUE(ValidateSnapshot(ValidChain(), "snapshot").ok());
}

TEST(ValidateSnapshot, NamesTheUnknownEdgeEndpoint) {
  v1::Snapshot s = ValidChain();
  AddEdge(&s, "map", "joinn");
  ExpectInvalid(s, "snapshot.edges[2].to", "unknown operator \"joinn\"");
}

TEST(ValidateSnapshot, RejectsUnknownEdgeSource) {
  v1::Snapshot s = ValidChain();
  AddEdge(&s, "nope", "sink");
  ExpectInvalid(s, "snapshot.edges[2].from", "unknown operator \"nope\"");
}

TEST(ValidateSnapshot, RejectsACycleAndNamesAnEdgeOnIt) {
  v1::Snapshot s = ValidChain();
  AddOperator(&s, "loop", v1::OPERATOR_KIND_MAP, 1);
  AddEdge(&s, "map", "loop");
  AddEdge(&s, "loop", "map");
  ExpectInvalid(s, "snapshot.edges[3]", "closes a cycle (\"loop\" -> \"map\")");
}

TEST(ValidateSnapshot, RejectsDuplicateOperatorIds) {
  v1::Snapshot s = ValidChain();
  AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 1);
  ExpectInvalid(s, "snapshot.operators[3].id",
                "duplicate id \"map\" (also operators[1])");
}

TEST(ValidateSnapshot, RejectsParallelismAboveMax) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->set_parallelism(129);
  ExpectInvalid(s, "snapshot.operators[1].parallelism", "max_parallelism=128");
}

TEST(ValidateSnapshot, RejectsZeroParallelism) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(2)->set_parallelism(0);
  ExpectInvalid(s, "snapshot.operators[2].parallelism");
}

TEST(ValidateSnapshot, RejectsMissingMaxParallelism) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(0)->set_max_parallelism(0);
  ExpectInvalid(s, "snapshot.operators[0].max_parallelism");
}

TEST(ValidateSnapshot, RejectsNonFiniteMetrics) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_records_in_per_s(NAN);
  ExpectInvalid(s, "snapshot.operators[1].metrics.records_in_per_s", "finite");
  s = ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_records_out_per_s(INFINITY);
  ExpectInvalid(s, "snapshot.operators[1].metrics.records_out_per_s", "finite");
}

TEST(ValidateSnapshot, RejectsNegativeMetrics) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(-1);
  ExpectInvalid(s, "snapshot.operators[0].metrics.pending_records", ">= 0");
}

TEST(ValidateSnapshot, RejectsBusyTimeAboveOneSecondPerSecond) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(1000.5);
  ExpectInvalid(s, "snapshot.operators[1].metrics.busy_ms_per_s_max", "<= 1000");
}

TEST(ValidateSnapshot, RequiresJobAndSnapshotIds) {
  v1::Snapshot s = ValidChain();
  s.clear_job_id();
  ExpectInvalid(s, "snapshot.job_id", "required");
  s = ValidChain();
  s.set_snapshot_id("has space");
  ExpectInvalid(s, "snapshot.snapshot_id", "' ' is not allowed");
}

TEST(ValidateSnapshot, RequiresEngineTimeAndWindow) {
  v1::Snapshot s = ValidChain();
  s.set_engine(v1::ENGINE_UNSPECIFIED);
  ExpectInvalid(s, "snapshot.engine", "required");
  s = ValidChain();
  s.clear_observed_at();
  ExpectInvalid(s, "snapshot.observed_at", "required");
  s = ValidChain();
  s.set_window_s(0);
  ExpectInvalid(s, "snapshot.window_s");
  s = ValidChain();
  s.set_seconds_since_restart(-1);
  ExpectInvalid(s, "snapshot.seconds_since_restart");
}

TEST(ValidateSnapshot, RejectsUnknownEnumValues) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->set_kind(static_cast<v1::OperatorKind>(77));
  ExpectInvalid(s, "snapshot.operators[1].kind", "unknown value 77");
  s = ValidChain();
  s.mutable_edges(0)->set_partitioning(static_cast<v1::Partitioning>(9));
  ExpectInvalid(s, "snapshot.edges[0].partitioning", "unknown value 9");
}

TEST(ValidateSnapshot, AcceptsEveryBacklogSignalWithAMatchingValue) {
  v1::Snapshot s = ValidChain();
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  EXPECT_TRUE(ValidateSnapshot(s, "snapshot").ok());
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  m->set_time_lag_s(2.5);
  EXPECT_TRUE(ValidateSnapshot(s, "snapshot").ok());
  m->clear_time_lag_s();
  m->clear_pending_records();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  EXPECT_TRUE(ValidateSnapshot(s, "snapshot").ok());
}

TEST(ValidateSnapshot, RejectsABacklogSignalThatContradictsItsValue) {
  v1::Snapshot s = ValidChain();
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->set_backlog_signal(static_cast<v1::BacklogSignal>(42));
  ExpectInvalid(s, "snapshot.operators[0].metrics.backlog_signal", "unknown value 42");
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  ExpectInvalid(s, "snapshot.operators[0].metrics.pending_records", "must be unset");
  m->clear_pending_records();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  ExpectInvalid(s, "snapshot.operators[0].metrics.pending_records",
                "required with backlog_signal BACKLOG_SIGNAL_TIME_LAG_ESTIMATE");
  m->set_pending_records(10);
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  m->set_time_lag_s(1);
  ExpectInvalid(s, "snapshot.operators[0].metrics.time_lag_s", "only with");
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  m->set_time_lag_s(-1);
  ExpectInvalid(s, "snapshot.operators[0].metrics.time_lag_s", ">= 0");
}

TEST(ValidateSnapshot, OnlySourcesReportABacklogSignal) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_backlog_signal(
      v1::BACKLOG_SIGNAL_NONE);
  ExpectInvalid(s, "snapshot.operators[1].metrics.backlog_signal",
                "only sources report a backlog");
}

TEST(ValidateSnapshot, RejectsSelfLoopsDuplicatesAndBadFractions) {
  v1::Snapshot s = ValidChain();
  AddEdge(&s, "map", "map");
  ExpectInvalid(s, "snapshot.edges[2]", "self-loop");
  s = ValidChain();
  AddEdge(&s, "source", "map");
  ExpectInvalid(s, "snapshot.edges[2]", "duplicate edge");
  s = ValidChain();
  s.mutable_edges(0)->set_fraction(1.5);
  ExpectInvalid(s, "snapshot.edges[0].fraction", "(0, 1]");
}

TEST(ValidateSnapshot, SourcesHaveNoInputsAndSinksNoOutputs) {
  v1::Snapshot s = ValidChain();
  AddEdge(&s, "map", "source");
  ExpectInvalid(s, "snapshot.edges[2].to", "is a source");
  s = ValidChain();
  AddOperator(&s, "after", v1::OPERATOR_KIND_MAP, 1);
  AddEdge(&s, "sink", "after");
  ExpectInvalid(s, "snapshot.edges[2].from", "is a sink");
}

TEST(ValidateSnapshot, EnforcesSizeLimits) {
  ValidationLimits limits;
  limits.max_operators = 2;
  absl::Status status = ValidateSnapshot(ValidChain(), "snapshot", limits);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("snapshot.operators: 3 operators exceed the limit of 2"));
  limits = ValidationLimits();
  limits.max_snapshot_bytes = 50;
  status = ValidateSnapshot(ValidChain(), "snapshot", limits);
  EXPECT_THAT(std::string(status.message()), HasSubstr("bytes exceed the limit of 50"));
}

TEST(ValidateSnapshot, RejectsNulInNames) {
  v1::Snapshot s = ValidChain();
  s.mutable_operators(1)->set_name(std::string("a\0b", 3));
  ExpectInvalid(s, "snapshot.operators[1].name", "NUL");
}

TEST(ValidateSnapshot, RequiresAtLeastOneOperator) {
  ExpectInvalid(testing::EmptySnapshot(), "snapshot.operators", "at least one");
}

TEST(ValidateTenant, AcceptsLowercaseNamesAndRejectsOthers) {
  constexpr char kPath[] = "metadata x-streamtune-tenant";
  EXPECT_TRUE(ValidateTenant("team-a_1", kPath).ok());
  EXPECT_EQ(ValidateTenant("", kPath).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateTenant("Team", kPath).message()),
              StartsWith("metadata x-streamtune-tenant: character 'T'"));
  EXPECT_FALSE(ValidateTenant(std::string(65, 'a'), kPath).ok());
}

TEST(ValidatePageSize, BoundsTheRange) {
  EXPECT_TRUE(ValidatePageSize(0, "page_size").ok());
  EXPECT_TRUE(ValidatePageSize(1000, "page_size").ok());
  EXPECT_THAT(std::string(ValidatePageSize(1001, "page_size").message()),
              StartsWith("page_size: must be in [0, 1000]"));
  EXPECT_FALSE(ValidatePageSize(-1, "page_size").ok());
}

google::protobuf::Timestamp Time(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

TEST(ValidateTimeRange, ConvertsSetBoundsToMicroseconds) {
  const google::protobuf::Timestamp start = Time(10, 1999);
  const google::protobuf::Timestamp end = Time(20, 0);
  auto range = ValidateTimeRange(&start, "start_time", &end, "end_time");
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->start_micros, 10000001);
  EXPECT_EQ(range->end_micros, 20000000);
  auto open = ValidateTimeRange(nullptr, "start_time", nullptr, "end_time");
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->start_micros.has_value());
  EXPECT_FALSE(open->end_micros.has_value());
  auto from = ValidateTimeRange(&start, "start_time", nullptr, "end_time");
  ASSERT_TRUE(from.ok());
  EXPECT_FALSE(from->end_micros.has_value());
}

TEST(ValidateTimeRange, NamesTheBadField) {
  const google::protobuf::Timestamp start = Time(10, 0);
  const google::protobuf::Timestamp same = Time(10, 0);
  const google::protobuf::Timestamp bad_nanos = Time(10, -1);
  const google::protobuf::Timestamp too_late = Time(253402300800, 0);
  EXPECT_EQ(std::string(ValidateTimeRange(&start, "start_time", &same, "end_time")
                            .status()
                            .message()),
            "end_time: must be after start_time");
  EXPECT_EQ(std::string(ValidateTimeRange(&bad_nanos, "start_time", nullptr, "end_time")
                            .status()
                            .message()),
            "start_time: not a valid timestamp");
  EXPECT_EQ(
      ValidateTimeRange(nullptr, "start_time", &too_late, "end_time").status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune
