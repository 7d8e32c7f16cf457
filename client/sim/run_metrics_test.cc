#include "client/sim/run_metrics.h"

#include <cmath>
#include <vector>

#include "client/sim/test_workloads.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using testing::Edge;
using testing::Op;

// 10 seconds; the rate doubles at 6. The oracle (headroom 1.1) is {1,1,1}
// for 100/s and {1,2,1} for 200/s (the map sustains 150 per instance).
Workload TinyWorkload() {
  Workload w;
  w.name = "tiny";
  w.duration_s = 10;
  w.noise_sd = 0;
  w.operators = {Op("source", v1::OPERATOR_KIND_SOURCE, 1000),
                 Op("map", v1::OPERATOR_KIND_MAP, 150),
                 Op("sink", v1::OPERATOR_KIND_SINK, 10000)};
  w.operators[1].max_parallelism = 4;
  w.edges = {Edge("source", "map"), Edge("map", "sink")};
  w.sources["source"] = {RateStep{0, 100, 0}, RateStep{6, 200, 0}};
  return w;
}

TickRecord Tick(int t, bool running, double rate, double read, double lag,
                bool backpressure_free, int total) {
  TickRecord tick;
  tick.t = t;
  tick.running = running;
  tick.target_rate = {rate};
  tick.source_rate = {read};
  tick.lag = {lag};
  tick.backpressure_free = backpressure_free;
  tick.total_parallelism = total;
  return tick;
}

// A hand-written run: fine until 5; at 6 the map saturates and the policy
// scales it to 2; downtime 7-8; catch-up at 9; caught up at 10.
std::vector<TickRecord> TinyTrace() {
  std::vector<TickRecord> trace;
  for (int t = 1; t <= 5; ++t) trace.push_back(Tick(t, true, 100, 100, 0, true, 3));
  trace.push_back(Tick(6, true, 200, 150, 50, false, 3));
  trace.push_back(Tick(7, false, 200, 0, 250, false, 4));
  trace.push_back(Tick(8, false, 200, 0, 450, false, 4));
  trace.push_back(Tick(9, true, 200, 300, 350, false, 4));
  trace.push_back(Tick(10, true, 200, 550, 0, true, 4));
  return trace;
}

std::vector<Decision> TinyDecisions() {
  return {Decision{3, {1, 1, 1}, {1, 1, 1}, false},
          Decision{6, {1, 1, 1}, {1, 2, 1}, true}};
}

RunMetrics Compute(const Workload& w, const std::vector<TickRecord>& trace,
                   const std::vector<Decision>& decisions) {
  absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
  EXPECT_TRUE(oracle.ok()) << oracle.status();
  absl::StatusOr<RunMetrics> m = ComputeRunMetrics(w, *oracle, trace, decisions);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : RunMetrics();
}

TEST(RunMetrics, TinyRunByHand) {
  const RunMetrics m = Compute(TinyWorkload(), TinyTrace(), TinyDecisions());
  EXPECT_EQ(m.reconfigurations, 1);
  EXPECT_DOUBLE_EQ(m.avg_total_parallelism, (6 * 3 + 4 * 4) / 10.0);
  EXPECT_DOUBLE_EQ(m.avg_oracle_total_parallelism, (5 * 3 + 5 * 4) / 10.0);
  EXPECT_DOUBLE_EQ(m.parallelism_vs_oracle, 3.4 / 3.5);
  // Violations: 6 (reads 150 < 198), 7 and 8 (down).
  EXPECT_EQ(m.feasible_seconds, 10);
  EXPECT_DOUBLE_EQ(m.slo_attainment, 0.7);
  // Lag in seconds of input: 0.25, 1.25, 2.25, 1.75 at 6..9.
  EXPECT_DOUBLE_EQ(m.avg_lag_s, 5.5 / 10);
  EXPECT_DOUBLE_EQ(m.max_lag_s, 2.25);
  EXPECT_EQ(m.oracle_reconfigurations, 1);
  ASSERT_EQ(m.rate_changes.size(), 2u);
  EXPECT_EQ(m.rate_changes[0].at_s, 0);
  EXPECT_EQ(m.rate_changes[0].end_s, 5);
  EXPECT_EQ(m.rate_changes[0].steps_to_converge, 0);
  EXPECT_EQ(m.rate_changes[1].at_s, 6);
  EXPECT_EQ(m.rate_changes[1].end_s, 10);
  EXPECT_EQ(m.rate_changes[1].steps_to_converge, 1);
  EXPECT_EQ(m.steps_to_converge(), (std::vector<double>{0, 1}));
}

TEST(RunMetrics, NotConvergedWhenBackpressuredAtTheEnd) {
  std::vector<TickRecord> trace = TinyTrace();
  trace[9].backpressure_free = false;
  const RunMetrics m = Compute(TinyWorkload(), trace, TinyDecisions());
  EXPECT_EQ(m.rate_changes[1].steps_to_converge, kNeverConverged);
  EXPECT_TRUE(std::isinf(m.rate_changes[1].steps_to_converge));
  EXPECT_EQ(m.rate_changes[1].reconfigurations, 1);
}

TEST(RunMetrics, ConfigurationAppliedAtThePeriodsLastSecondNeverRan) {
  std::vector<Decision> decisions = TinyDecisions();
  decisions.push_back(Decision{5, {1, 1, 1}, {2, 1, 1}, true});
  std::sort(decisions.begin(), decisions.end(),
            [](const Decision& a, const Decision& b) { return a.t < b.t; });
  const RunMetrics m = Compute(TinyWorkload(), TinyTrace(), decisions);
  EXPECT_EQ(m.reconfigurations, 2);
  EXPECT_EQ(m.rate_changes[0].reconfigurations, 1);
  EXPECT_EQ(m.rate_changes[0].steps_to_converge, kNeverConverged);
}

TEST(RunMetrics, EveryReconfigurationInThePeriodCounts) {
  std::vector<Decision> decisions = TinyDecisions();
  decisions.push_back(Decision{8, {1, 2, 1}, {1, 3, 1}, true});
  decisions.push_back(Decision{9, {1, 3, 1}, {1, 2, 1}, true});
  const RunMetrics m = Compute(TinyWorkload(), TinyTrace(), decisions);
  EXPECT_EQ(m.rate_changes[1].steps_to_converge, 3);
}

TEST(RunMetrics, LagBeyondTheSloIsAViolation) {
  Workload w = TinyWorkload();
  w.lag_slo_s = 1;  // 9: lag 350 > 1 s · 200.
  const RunMetrics m = Compute(w, TinyTrace(), TinyDecisions());
  EXPECT_DOUBLE_EQ(m.slo_attainment, 0.6);
}

TEST(RunMetrics, InfeasibleSecondsAreNotScored) {
  Workload w = TinyWorkload();
  w.operators[1].max_parallelism = 1;  // 200/s needs 220 > C(1) = 150.
  std::vector<TickRecord> trace = TinyTrace();
  for (TickRecord& tick : trace) {
    if (tick.t >= 7) tick.total_parallelism = 3;
  }
  const RunMetrics m = Compute(w, trace, {Decision{6, {1, 1, 1}, {1, 1, 1}, false}});
  EXPECT_EQ(m.feasible_seconds, 5);
  EXPECT_DOUBLE_EQ(m.slo_attainment, 1.0);
  // The infeasible oracle takes p = 1 (the best): it never changes.
  EXPECT_EQ(m.oracle_reconfigurations, 0);
  EXPECT_DOUBLE_EQ(m.avg_oracle_total_parallelism, 3);
}

TEST(RunMetrics, NoFeasibleSecondGivesNan) {
  Workload w = TinyWorkload();
  w.operators[1].max_parallelism = 1;
  w.sources["source"] = {RateStep{0, 200, 0}};
  const RunMetrics m = Compute(w, TinyTrace(), {});
  EXPECT_EQ(m.feasible_seconds, 0);
  EXPECT_TRUE(std::isnan(m.slo_attainment));
}

TEST(RunMetrics, InitialParallelismDifferentFromTheOracleCountsOnce) {
  Workload w = TinyWorkload();
  w.operators[1].parallelism = 2;
  const RunMetrics m = Compute(w, TinyTrace(), TinyDecisions());
  EXPECT_EQ(m.oracle_reconfigurations, 2);
}

TEST(RunMetrics, RateChangesMergeSourcesAndDropOverriddenSteps) {
  Workload w = TinyWorkload();
  w.operators.push_back(Op("other", v1::OPERATOR_KIND_SOURCE, 1000));
  w.edges.push_back(Edge("other", "map"));
  w.sources["other"] = {RateStep{0, 10, 0}, RateStep{1, 20, 0}, RateStep{6, 30, 2},
                        RateStep{8, 10, 0}};
  EXPECT_EQ(RateChangeTimes(w), (std::vector<int>{0, 1, 6, 8}));
  std::vector<TickRecord> trace = TinyTrace();
  for (TickRecord& tick : trace) {
    tick.target_rate.push_back(10);
    tick.source_rate.push_back(10);
    tick.lag.push_back(0);
  }
  const RunMetrics m = Compute(w, trace, TinyDecisions());
  // The change at 0 governs no simulated second (1 overrides it).
  ASSERT_EQ(m.rate_changes.size(), 3u);
  EXPECT_EQ(m.rate_changes[0].at_s, 1);
  EXPECT_EQ(m.rate_changes[1].at_s, 6);
  EXPECT_EQ(m.rate_changes[1].end_s, 7);
  EXPECT_EQ(m.rate_changes[1].steps_to_converge,
            kNeverConverged);  // 7 is down.
  EXPECT_EQ(m.rate_changes[2].end_s, 10);
  EXPECT_EQ(m.rate_changes[2].steps_to_converge, 0);
}

TEST(RunMetrics, RejectsMalformedTraces) {
  const Workload w = TinyWorkload();
  absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
  ASSERT_TRUE(oracle.ok());
  std::vector<TickRecord> trace = TinyTrace();
  trace.pop_back();
  EXPECT_EQ(ComputeRunMetrics(w, *oracle, trace, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  trace = TinyTrace();
  trace[3].t = 9;
  EXPECT_EQ(ComputeRunMetrics(w, *oracle, trace, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune::sim
