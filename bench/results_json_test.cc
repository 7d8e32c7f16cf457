#include "bench/results_json.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/sim/run_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace streamtune::bench {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

BenchRun SampleRun() {
  BenchRun run;
  run.workload = "ramp-up";
  run.policy = "ds2";
  run.operator_ids = {"src", "map", "sink"};
  run.source_ids = {"src"};
  sim::RunMetrics& m = run.metrics;
  m.reconfigurations = 4;
  m.avg_total_parallelism = 12.345678901234567;
  m.parallelism_vs_oracle = 1.2;
  m.slo_attainment = 0.975;
  m.feasible_seconds = 3500;
  m.avg_lag_s = 3.25;
  m.max_lag_s = 61.5;
  m.rate_changes = {{0, 599, 2, 2}, {600, 3599, 2, sim::kNeverConverged}};
  m.oracle_reconfigurations = 3;
  m.avg_oracle_total_parallelism = 10.2875;
  run.timeline = {{60, true, {1, 2, 1}, {1, 4, 1}, 4, 6, "scale \"map\" up"},
                  {120, false, {1, 4, 1}, {1, 4, 1}, 6, 6, ""}};
  run.total_parallelism = {4, 4, 6};  // Not written.
  run.wall_seconds = 1.5;
  return run;
}

nlohmann::json ParseRun(const BenchRun& run) {
  return nlohmann::json::parse(ResultsToJson({run}))["runs"][0];
}

TEST(ResultsJson, HasEveryMetricName) {
  const nlohmann::json run = ParseRun(SampleRun());
  for (const char* key :
       {"workload", "policy", "reconfigurations", "avg_total_parallelism",
        "parallelism_vs_oracle", "slo_attainment", "avg_lag_s", "max_lag_s",
        "steps_to_converge", "oracle_reconfigurations", "avg_oracle_total_parallelism",
        "feasible_seconds", "wall_seconds", "operator_ids", "timeline"}) {
    EXPECT_TRUE(run.contains(key)) << key;
  }
  EXPECT_EQ(run["reconfigurations"], 4);
  EXPECT_EQ(run["steps_to_converge"].size(), 2u);
  ASSERT_EQ(run["timeline"].size(), 2u);
  for (const char* key :
       {"t", "applied", "before", "after", "total_before", "total_after", "reason"}) {
    EXPECT_TRUE(run["timeline"][0].contains(key)) << key;
  }
  EXPECT_EQ(run["timeline"][0]["after"], nlohmann::json({1, 4, 1}));
}

TEST(ResultsJson, WritesInfinityAndNanAsNull) {
  BenchRun run = SampleRun();
  run.metrics.slo_attainment = kNaN;
  run.metrics.max_lag_s = std::numeric_limits<double>::infinity();
  const nlohmann::json j = ParseRun(run);
  EXPECT_TRUE(j["slo_attainment"].is_null());
  EXPECT_TRUE(j["max_lag_s"].is_null());
  EXPECT_EQ(j["steps_to_converge"][0], 2);
  EXPECT_TRUE(j["steps_to_converge"][1].is_null());
}

TEST(ResultsJson, RoundTripsMetricsAndTimeline) {
  BenchRun a = SampleRun();
  BenchRun b = SampleRun();
  b.policy = "streamtune";
  b.metrics.slo_attainment = kNaN;
  b.metrics.rate_changes.clear();
  b.timeline.clear();
  auto read = ResultsFromJson(ResultsToJson({a, b}));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  const BenchRun& r = (*read)[0];
  EXPECT_EQ(r.workload, a.workload);
  EXPECT_EQ(r.policy, a.policy);
  EXPECT_EQ(r.operator_ids, a.operator_ids);
  EXPECT_EQ(r.source_ids, a.source_ids);
  EXPECT_EQ(r.metrics.reconfigurations, 4);
  EXPECT_EQ(r.metrics.avg_total_parallelism, a.metrics.avg_total_parallelism);
  EXPECT_EQ(r.metrics.parallelism_vs_oracle, 1.2);
  EXPECT_EQ(r.metrics.slo_attainment, 0.975);
  EXPECT_EQ(r.metrics.feasible_seconds, 3500);
  EXPECT_EQ(r.metrics.avg_lag_s, 3.25);
  EXPECT_EQ(r.metrics.max_lag_s, 61.5);
  EXPECT_EQ(r.metrics.oracle_reconfigurations, 3);
  EXPECT_EQ(r.metrics.avg_oracle_total_parallelism, 10.2875);
  EXPECT_EQ(r.wall_seconds, 1.5);
  EXPECT_THAT(r.metrics.steps_to_converge(),
              ::testing::ElementsAre(2, sim::kNeverConverged));
  ASSERT_EQ(r.metrics.rate_changes.size(), 2u);
  EXPECT_EQ(r.metrics.rate_changes[1].at_s, 600);
  EXPECT_EQ(r.metrics.rate_changes[1].end_s, 3599);
  EXPECT_EQ(r.metrics.rate_changes[1].reconfigurations, 2);
  ASSERT_EQ(r.timeline.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.timeline[i].t, a.timeline[i].t);
    EXPECT_EQ(r.timeline[i].applied, a.timeline[i].applied);
    EXPECT_EQ(r.timeline[i].before, a.timeline[i].before);
    EXPECT_EQ(r.timeline[i].after, a.timeline[i].after);
    EXPECT_EQ(r.timeline[i].total_before, a.timeline[i].total_before);
    EXPECT_EQ(r.timeline[i].total_after, a.timeline[i].total_after);
    EXPECT_EQ(r.timeline[i].reason, a.timeline[i].reason);
  }
  EXPECT_TRUE(r.total_parallelism.empty());
  EXPECT_TRUE(std::isnan((*read)[1].metrics.slo_attainment));
  EXPECT_TRUE((*read)[1].timeline.empty());
  // Writing what was read gives the same file.
  EXPECT_EQ(ResultsToJson(*read), ResultsToJson({a, b}));
}

TEST(ResultsJson, RoundTripsNoRuns) {
  auto read = ResultsFromJson(ResultsToJson({}));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->empty());
}

TEST(ResultsJson, ReadsStepsWithoutRateChanges) {
  auto read = ResultsFromJson(R"({"runs": [{
      "workload": "w", "policy": "p", "operator_ids": [],
      "reconfigurations": 0, "avg_total_parallelism": 1,
      "parallelism_vs_oracle": 1, "slo_attainment": null, "avg_lag_s": 0,
      "max_lag_s": 0, "steps_to_converge": [0, null],
      "oracle_reconfigurations": 0, "avg_oracle_total_parallelism": 1,
      "feasible_seconds": 0, "wall_seconds": 0, "timeline": [],
      "future_field": true}]})");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT((*read)[0].metrics.steps_to_converge(),
              ::testing::ElementsAre(0, sim::kNeverConverged));
}

TEST(ResultsJson, RejectsMistypedKeyNamingItsPath) {
  nlohmann::json j = nlohmann::json::parse(ResultsToJson({SampleRun()}));
  j["runs"][0]["timeline"][1]["before"][2] = "x";
  auto read = ResultsFromJson(j.dump());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(), HasSubstr("$.runs[0].timeline[1].before[2]"));

  j = nlohmann::json::parse(ResultsToJson({SampleRun()}));
  j["runs"][0].erase("max_lag_s");
  read = ResultsFromJson(j.dump());
  EXPECT_THAT(read.status().message(), HasSubstr("$.runs[0].max_lag_s: missing"));
}

TEST(ResultsJson, RejectsMalformedJson) {
  EXPECT_EQ(ResultsFromJson("{\"runs\": [").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResultsFromJson("[]").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune::bench
