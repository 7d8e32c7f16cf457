#include "bench/bench_runner.h"

#include <algorithm>

#include "client/fake_client.h"
#include "client/sim/workload.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

constexpr char kWorkload[] = R"({
  "name": "tiny", "semantics": "flink", "duration_s": 600, "seed": 1, "noise_sd": 0,
  "operators": [
    {"id": "src", "kind": "source", "capacity": 10000},
    {"id": "map", "kind": "map", "capacity": 400},
    {"id": "out", "kind": "sink", "capacity": 100000}],
  "edges": [{"from": "src", "to": "map", "partitioning": "rebalance"},
            {"from": "map", "to": "out", "partitioning": "rebalance"}],
  "sources": {"src": [{"at_s": 0, "rate": 1000}]}
})";

// Answers like a service that always wants `map` at parallelism 3.
v1::Recommendation MapAtThree(const v1::SnapshotRequest& request) {
  v1::Recommendation answer;
  bool differs = false;
  for (const auto& op : request.snapshot().operators()) {
    auto* rec = answer.add_operators();
    rec->set_operator_id(op.id());
    const int want = op.id() == "map" ? 3 : op.parallelism();
    rec->set_recommended_parallelism(want);
    differs |= want != op.parallelism();
  }
  answer.set_apply(differs);
  answer.set_reason(differs ? "scale map" : "fine");
  return answer;
}

TEST(RunPolicyOnWorkload, RecordsTimelineSeriesAndMetrics) {
  auto workload = sim::ParseWorkload(kWorkload, "tiny");
  ASSERT_TRUE(workload.ok()) << workload.status();
  FakeStreamTuneClient client;
  client.recommend = MapAtThree;
  int printed = 0;
  auto run =
      RunPolicyOnWorkload(*workload, "fake", &client,
                          [&](const std::string&, const TimelineEntry&) { ++printed; });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->workload, "tiny");
  EXPECT_EQ(run->policy, "fake");
  EXPECT_EQ(client.recommend_requests[0].snapshot().job_id(), "tiny.fake");
  EXPECT_EQ(client.recommend_requests[0].policy(), "fake");
  // Decisions at 60, 120, ..., 540 (none at the last second). The one at 60
  // scales map to 3; its 30 s restart ends before 120, so none is skipped.
  ASSERT_EQ(run->timeline.size(), 9u);
  EXPECT_EQ(printed, 9);
  EXPECT_TRUE(run->timeline[0].applied);
  EXPECT_EQ(run->timeline[0].total_before, 3);
  EXPECT_EQ(run->timeline[0].total_after, 5);
  EXPECT_EQ(run->timeline[0].reason, "scale map");
  EXPECT_FALSE(run->timeline[1].applied);
  EXPECT_EQ(run->metrics.reconfigurations, 1);
  EXPECT_EQ(run->total_parallelism.size(), 600u);
  EXPECT_EQ(run->total_parallelism.front(), 3);
  EXPECT_EQ(run->total_parallelism.back(), 5);
  EXPECT_EQ(run->oracle_total_parallelism.size(), 600u);
  ASSERT_EQ(run->source_target_rate.size(), 1u);
  EXPECT_DOUBLE_EQ(run->source_target_rate[0][0], 1000);
  EXPECT_THAT(run->source_ids, ::testing::ElementsAre("src"));
  // map (400/s at p = 1) lags behind the 1000/s source until the scale-up.
  EXPECT_EQ(run->lag_slo_s, 60);
  ASSERT_EQ(run->lag_s.size(), 600u);
  EXPECT_GT(run->lag_s[59], 0);
  double lag_sum = 0, lag_max = 0;
  for (double lag : run->lag_s) {
    lag_sum += lag;
    lag_max = std::max(lag_max, lag);
  }
  // The plotted lag is the one the metrics score.
  EXPECT_DOUBLE_EQ(lag_max, run->metrics.max_lag_s);
  EXPECT_NEAR(lag_sum / 600, run->metrics.avg_lag_s, 1e-9);
}

TEST(RunPolicyOnWorkload, AServiceErrorEndsTheRun) {
  auto workload = sim::ParseWorkload(kWorkload, "tiny");
  ASSERT_TRUE(workload.ok());
  FakeStreamTuneClient client;
  client.recommend =
      [](const v1::SnapshotRequest&) -> absl::StatusOr<v1::Recommendation> {
    return absl::UnavailableError("down");
  };
  auto run = RunPolicyOnWorkload(*workload, "fake", &client);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(run.status().message(), "snapshot t60: down");
}

}  // namespace
}  // namespace streamtune::bench
