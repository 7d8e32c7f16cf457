#include "client/flink/flink_rest.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/flink/flink_snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::flink {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers recorded from a Flink 1.20.3 MiniCluster running the harness's
// synthetic job (aggregate rescaled to 3); those under flink-2.3/ from a
// 2.3.0 one (aggregate rescaled to 4), where 2.3 answers differently.
std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(STREAMTUNE_FLINK_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

TEST(ParseJobsOverview, ReadsRecordedAnswer) {
  auto jobs = ParseJobsOverview(Recorded("jobs_overview.json"));
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].id, "87761ec30c22f3f13a669f58e4a46ac9");
  EXPECT_EQ((*jobs)[0].state, "RUNNING");
}

TEST(ParseJobDetails, ReadsVerticesAndRunningTimestamp) {
  auto job = ParseJobDetails(Recorded("job_details.json"));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "RUNNING");
  EXPECT_EQ(job->running_since_ms, 1795485008086);
  EXPECT_EQ(job->now_ms, 1795485022964);
  ASSERT_EQ(job->vertices.size(), 4u);
  EXPECT_EQ(job->vertices[0].name, "Source: source");
  EXPECT_EQ(job->vertices[2].name, "aggregate");
  EXPECT_EQ(job->vertices[2].parallelism, 3);
  EXPECT_EQ(job->vertices[2].max_parallelism, 128);
  EXPECT_TRUE(FullyRunning(*job));
}

TEST(ParseJobDetails, NamesTheMissingField) {
  auto job = ParseJobDetails(R"({"jid":"a","state":"RUNNING","now":1,"vertices":[]})");
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(job.status().message(), HasSubstr("$.timestamps"));
  auto bad_vertex = ParseJobDetails(
      R"({"jid":"a","state":"RUNNING","now":1,"timestamps":{"RUNNING":1},)"
      R"("vertices":[{"id":"v","name":"n","status":"RUNNING","parallelism":"2"}]})");
  EXPECT_THAT(bad_vertex.status().message(), HasSubstr("$.vertices[0].parallelism"));
  EXPECT_THAT(ParseJobDetails("<html>502 Bad Gateway</html>").status().message(),
              HasSubstr("not JSON"));
}

TEST(FullyRunning, NeedsTheJobAndEveryVertexRunning) {
  FlinkJob job;
  job.state = "RUNNING";
  job.vertices = {FlinkVertex{"a", "a", "RUNNING", 1, 1},
                  FlinkVertex{"b", "b", "DEPLOYING", 1, 1}};
  EXPECT_FALSE(FullyRunning(job));
  job.vertices[1].status = "RUNNING";
  EXPECT_TRUE(FullyRunning(job));
  job.state = "RESTARTING";
  EXPECT_FALSE(FullyRunning(job));
  EXPECT_TRUE(IsTerminalJobState("CANCELED"));
  EXPECT_FALSE(IsTerminalJobState("RESTARTING"));
}

TEST(ParsePlanInputs, EdgesComeFromConsumersInputs) {
  auto inputs = ParsePlanInputs(Recorded("plan.json"));
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 3u);  // The source has no "inputs" key.
  EXPECT_EQ((*inputs)[0].from, "e5a72f353fc1e6bbf3bd96a41384998c");
  EXPECT_EQ((*inputs)[0].to, "a0bcbe636c3291fd3f45c25deb2b0823");
  EXPECT_EQ((*inputs)[0].ship_strategy, "FORWARD");
  EXPECT_EQ((*inputs)[1].ship_strategy, "HASH");
}

TEST(ParseMetricNames, ListsRecordedNames) {
  auto names = ParseMetricNames(Recorded("source_metric_names.json"));
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, testing::Contains("Source__source.pendingRecords"));
  EXPECT_THAT(*names, testing::Contains("accumulateBusyTimeMs"));
}

TEST(ParseAggregatedMetrics, ReadsRecordedValues) {
  auto metrics = ParseAggregatedMetrics(Recorded("aggregate_metrics.json"));
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const AggregatedMetric& busy = metrics->at("busyTimeMsPerSecond");
  EXPECT_DOUBLE_EQ(*busy.max, 998.0);
  EXPECT_DOUBLE_EQ(*busy.avg, 997.0);
  EXPECT_FALSE(busy.min.has_value());  // Not asked for.
  EXPECT_DOUBLE_EQ(*metrics->at("numRecordsIn").sum, 29368.0);
}

TEST(ParseAggregatedMetrics, NonFiniteValuesAreNotObserved) {
  // Flink 1.20 writes NaN as a string; bare tokens and null also occur.
  auto metrics = ParseAggregatedMetrics(
      R"([{"id":"busyTimeMsPerSecond","max":"NaN","avg":NaN,"sum":null},)"
      R"({"id":"x","max":-Infinity,"avg":"Infinity","sum":"12.5"},)"
      R"({"id":"name \"NaN\"","max":1}])");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const AggregatedMetric& busy = metrics->at("busyTimeMsPerSecond");
  EXPECT_FALSE(busy.max.has_value());
  EXPECT_FALSE(busy.avg.has_value());
  EXPECT_FALSE(busy.sum.has_value());
  EXPECT_FALSE(metrics->at("x").max.has_value());
  EXPECT_FALSE(metrics->at("x").avg.has_value());
  EXPECT_DOUBLE_EQ(*metrics->at("x").sum, 12.5);
  EXPECT_DOUBLE_EQ(*metrics->at("name \"NaN\"").max, 1);  // Strings stay intact.
}

TEST(ParseJobRunningTime, PrefersRunningTimeThenUptime) {
  EXPECT_EQ(*ParseJobRunningTime(R"([{"id":"uptime","value":"5"},)"
                                 R"({"id":"runningTime","value":"5818"}])"),
            5818);
  EXPECT_EQ(*ParseJobRunningTime(R"([{"id":"uptime","value":"6165"}])"), 6165);
  // Not running (uptime -1), not collected yet, or not a number: unknown.
  EXPECT_EQ(*ParseJobRunningTime(R"([{"id":"uptime","value":"-1"}])"), std::nullopt);
  EXPECT_EQ(*ParseJobRunningTime("[]"), std::nullopt);
  EXPECT_EQ(*ParseJobRunningTime(R"([{"id":"runningTime","value":"NaN"}])"),
            std::nullopt);
  auto garbage = ParseJobRunningTime(R"({"id":"runningTime"})");
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResourceRequirements, RoundTripAndTheBoundsRule) {
  auto current = ParseResourceRequirements(Recorded("resource_requirements.json"));
  ASSERT_TRUE(current.ok()) << current.status();
  ASSERT_EQ(current->size(), 4u);
  (*current)["a0bcbe636c3291fd3f45c25deb2b0823"].lower = 2;
  std::map<std::string, int> target;
  for (const auto& [vertex, bounds] : *current) target[vertex] = bounds.upper;
  target["f7c20420360e0172e54933e6abdd481a"] = 5;  // Up from 3.
  target["a0bcbe636c3291fd3f45c25deb2b0823"] = 1;  // Down, below its lower bound 2.
  auto wanted = RequirementsFor(*current, target);
  ASSERT_TRUE(wanted.ok()) << wanted.status();
  EXPECT_EQ(wanted->at("f7c20420360e0172e54933e6abdd481a").upper, 5);
  EXPECT_EQ(wanted->at("f7c20420360e0172e54933e6abdd481a").lower, 1);  // Not raised.
  EXPECT_EQ(wanted->at("a0bcbe636c3291fd3f45c25deb2b0823").upper, 1);
  EXPECT_EQ(wanted->at("a0bcbe636c3291fd3f45c25deb2b0823").lower,
            1);  // Lowered to target.
  auto again = ParseResourceRequirements(ResourceRequirementsJson(*wanted));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 4u);
  EXPECT_EQ(again->at("f7c20420360e0172e54933e6abdd481a").upper, 5);

  target.erase("f7c20420360e0172e54933e6abdd481a");
  target["unknown"] = 2;
  EXPECT_EQ(RequirementsFor(*current, target).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An upper bound beyond Flink's maxParallelism limit (2^15) used to be
// truncated to int: 4294967297 became 1, and [2, 4294967297] an inverted
// [2, 1] (a property of fuzz/flink_rest_fuzzer.cc).
TEST(ResourceRequirements, RejectsBoundsBeyondFlinksLimit) {
  for (const char* upper : {"4294967297", "2147483648", "32769"}) {
    auto parsed = ParseResourceRequirements(absl::StrCat(
        R"({"v":{"parallelism":{"lowerBound":2,"upperBound":)", upper, "}}}"));
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << upper;
  }
  auto largest = ParseResourceRequirements(
      R"({"v":{"parallelism":{"lowerBound":-1,"upperBound":32768}}})");
  ASSERT_TRUE(largest.ok()) << largest.status();
  EXPECT_EQ(largest->at("v").upper, 32768);
}

TEST(ParseJobsOverview, IgnoresTheFieldsFlink2Added) {
  // 2.3 adds jobType, schedulerType and pending-operators per job.
  auto jobs = ParseJobsOverview(Recorded("flink-2.3/jobs_overview.json"));
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].id, "c0a69ab947c8a1728d0775191c19d780");
  EXPECT_EQ((*jobs)[0].name, "streamtune-harness-synthetic");
  EXPECT_EQ((*jobs)[0].state, "RUNNING");
}

TEST(ParseJobDetails, Flink2SaysWhichSchedulerRunsTheJob) {
  auto job = ParseJobDetails(Recorded("flink-2.3/job_details.json"));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->scheduler_type, "Adaptive");
  EXPECT_EQ(job->pending_operators, 0);
  EXPECT_EQ(job->running_since_ms, 1796544737265);
  ASSERT_EQ(job->vertices.size(), 4u);
  EXPECT_EQ(job->vertices[2].name, "aggregate");
  EXPECT_EQ(job->vertices[2].parallelism, 4);
  EXPECT_TRUE(FullyRunning(*job));
  EXPECT_FALSE(KnownNotAdaptive(*job));
  // 1.20 does not say: nothing is assumed.
  auto old = ParseJobDetails(Recorded("job_details.json"));
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->scheduler_type, "");
  EXPECT_FALSE(KnownNotAdaptive(*old));
  job->scheduler_type = "Default";
  EXPECT_TRUE(KnownNotAdaptive(*job));
}

TEST(ParseJobDetails, PendingOperatorsMeanTheGraphIsIncomplete) {
  const std::string recorded = Recorded("flink-2.3/job_details.json");
  auto pending = ParseJobDetails(absl::StrReplaceAll(
      recorded, {{R"("pending-operators":0)", R"("pending-operators":2)"}}));
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(pending->pending_operators, 2);
  EXPECT_FALSE(FullyRunning(*pending));
  auto negative = ParseJobDetails(absl::StrReplaceAll(
      recorded, {{R"("pending-operators":0)", R"("pending-operators":-1)"}}));
  EXPECT_THAT(negative.status().message(), HasSubstr("$.pending-operators"));
}

TEST(ParseFlinkVersion, ReadsEitherLine) {
  auto v1 = ParseFlinkVersion(Recorded("config.json"));
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1, "1.20.3");
  auto v2 = ParseFlinkVersion(Recorded("flink-2.3/config.json"));
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(*v2, "2.3.0");
  EXPECT_THAT(ParseFlinkVersion(R"({"refresh-interval":500})").status().message(),
              HasSubstr("$.flink-version"));
}

// 2.x dropped the legacy "buffers.*" metric group and lists per-split
// watermark gauges; the names the client asks for are the same.
TEST(ParseMetricNames, Flink2ListsOtherNamesButTheClientAsksForTheSame) {
  auto old = ParseMetricNames(Recorded("source_metric_names.json"));
  auto now = ParseMetricNames(Recorded("flink-2.3/source_metric_names.json"));
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_THAT(*old, testing::Contains("buffers.inPoolUsage"));
  EXPECT_THAT(*now, testing::Not(testing::Contains("buffers.inPoolUsage")));
  EXPECT_THAT(*now,
              testing::Contains("Source__source.split.0.watermark.currentWatermark"));
  EXPECT_THAT(*now, testing::Contains("Source__source.pendingRecords"));
  // In the order each version listed them.
  EXPECT_THAT(MetricsToRequest(*now),
              testing::UnorderedElementsAreArray(MetricsToRequest(*old)));
  // Ten task metrics, pendingRecords, currentEmitEventTimeLag and
  // currentOutputWatermark (flink_source_backlog.h).
  EXPECT_EQ(MetricsToRequest(*now).size(), 13u);
}

TEST(FlinkErrorMessage, KeepsTheFirstLineWithoutTheStackTrace) {
  EXPECT_EQ(
      FlinkErrorMessage(
          R"({"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: )"
          R"(The newly requested parallelism 200 exceeds 128.\n\tat org.apache.X"]})"),
      "The newly requested parallelism 200 exceeds 128.");
  // 1.20.5 and 2.3.0 alike, GET /jobs/:jid/resource-requirements of a job
  // on the default scheduler: the cause is the second entry.
  EXPECT_EQ(
      FlinkErrorMessage(
          R"({"errors":["Internal server error.","<Exception on server side:\n)"
          R"(java.lang.UnsupportedOperationException: The DefaultScheduler does not )"
          R"(support changing the parallelism without a job restart. \n\tat )"
          R"(org.apache.flink.runtime.scheduler.DefaultScheduler\n\nEnd of exception )"
          R"(on server side>"]})"),
      "java.lang.UnsupportedOperationException: The DefaultScheduler does not support "
      "changing the parallelism without a job restart.");
  EXPECT_EQ(FlinkErrorMessage(R"({"errors":["Internal server error."]})"),
            "Internal server error.");
  EXPECT_EQ(FlinkErrorMessage("plain text"), "plain text");
  EXPECT_EQ(FlinkErrorMessage(std::string(1000, 'x')).size(), 300u);
}

}  // namespace
}  // namespace streamtune::flink
