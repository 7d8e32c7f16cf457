#include "server/core/policies/streamtune/capacity_curve.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::AddEdge;
using testing::AddOperator;
using testing::EmptySnapshot;
using testing::SetLoad;

// A keyed operator behind a hash edge with the docs/simulator.md §2 capacity
// model: per-instance rate c, contention sigma, hot-key share h.
struct TrueOperator {
  double c = 1000;
  double sigma = 0.05;
  double h = 0.2;
  double Share(int p) const { return h + (1 - h) / p; }
  double Capacity(int p) const { return c / ((1 + sigma * (p - 1)) * Share(p)); }
};

// source -> keyed (parallelism p) processing `in` rec/s, settled.
v1::Snapshot Observation(const TrueOperator& truth, int p, double in, int t = 1000) {
  v1::Snapshot s = EmptySnapshot(absl::StrCat("t", t), t);
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), in, in, 100);
  v1::Operator* keyed = AddOperator(&s, "keyed", v1::OPERATOR_KIND_KEYED_AGGREGATE, p);
  const double load = in * (1 + truth.sigma * (p - 1)) / truth.c;
  SetLoad(keyed, in, in, std::min(1000.0, 1000 * load / p));
  keyed->mutable_metrics()->set_busy_ms_per_s_max(
      std::min(1000.0, 1000 * load * truth.Share(p)));
  AddEdge(&s, "source", "keyed", v1::PARTITIONING_HASH);
  return s;
}

std::vector<std::optional<CapacityCurve>> Fit(const v1::Snapshot& current,
                                              const std::vector<v1::Snapshot>& past) {
  std::vector<v1::StoredSnapshot> history;
  for (const auto& s : past) *history.emplace_back().mutable_snapshot() = s;
  const JobGraph graph(current);
  const PolicyInput input{"t", graph, {}, history, {}, nullptr};
  return FitCapacityCurves(input);
}

TEST(CapacityCurveTest, TwoParallelismsRecoverContentionAndHotKeyShare) {
  const TrueOperator truth;
  const auto curves =
      Fit(Observation(truth, 5, 1500, 2000), {Observation(truth, 2, 900, 1000)});
  ASSERT_TRUE(curves[1].has_value());
  const CapacityCurve& curve = *curves[1];
  EXPECT_TRUE(curve.contention_known);
  EXPECT_EQ(curve.observed_parallelisms, 2);
  EXPECT_EQ(curve.largest_observed, 5);
  EXPECT_NEAR(curve.base_rate, truth.c, 1e-6 * truth.c);
  EXPECT_NEAR(curve.contention, truth.sigma, 1e-9);
  EXPECT_NEAR(curve.hot_key_share, truth.h, 1e-9);
  for (int p = 1; p <= 40; ++p) EXPECT_NEAR(curve.Capacity(p), truth.Capacity(p), 1e-6);
}

TEST(CapacityCurveTest, SmallestSustainingIsTheFirstParallelismWithEnoughCapacity) {
  const TrueOperator truth;
  const auto curves =
      Fit(Observation(truth, 5, 1500, 2000), {Observation(truth, 2, 900, 1000)});
  const CapacityCurve& curve = *curves[1];
  for (double demand : {500.0, 1500.0, 2000.0, 2300.0}) {
    const int p = curve.SmallestSustaining(demand, 128);
    EXPECT_GE(truth.Capacity(p), demand);
    if (p > 1) {
      EXPECT_LT(truth.Capacity(p - 1), demand) << demand;
    }
  }
  // Beyond the curve's maximum (hot key + contention): the first p within
  // 3% of the best capacity, not 128 and not the exact argmax.
  double best = 0;
  int best_p = 1;
  for (int p = 1; p <= 128; ++p) {
    if (truth.Capacity(p) > best) {
      best = truth.Capacity(p);
      best_p = p;
    }
  }
  const int chosen = curve.SmallestSustaining(10 * best, 128);
  EXPECT_LT(chosen, best_p);
  EXPECT_GE(truth.Capacity(chosen), 0.97 * best - 1e-6);
  EXPECT_LT(truth.Capacity(chosen - 1), 0.97 * best);
}

TEST(CapacityCurveTest, OneParallelismLeavesContentionUnknownButSeesTheHotKey) {
  const TrueOperator truth;
  const auto curves = Fit(Observation(truth, 4, 1200), {});
  const CapacityCurve& curve = *curves[1];
  EXPECT_FALSE(curve.contention_known);
  EXPECT_EQ(curve.contention, 0);
  EXPECT_NEAR(curve.hot_key_share, truth.h, 1e-9);
  // Linear from the observed point: exact there.
  EXPECT_NEAR(curve.Capacity(4), truth.Capacity(4), 1e-6);
}

TEST(CapacityCurveTest, LinearOperatorsFitNoContention) {
  TrueOperator linear;
  linear.sigma = 0;
  linear.h = 0;
  const auto curves =
      Fit(Observation(linear, 6, 4000, 2000), {Observation(linear, 3, 2000, 1000)});
  EXPECT_TRUE(curves[1]->contention_known);
  EXPECT_NEAR(curves[1]->contention, 0, 1e-9);
  EXPECT_EQ(curves[1]->SmallestSustaining(9000, 128), 9);
}

// Timely q1 at 6000 events/s (issue 15): right after a restart to 3
// instances the restart's backlog reached them unevenly (914 ms/s busiest
// against 523 on average); the windows after it showed almost no skew. The
// start-up window put the share at 0.12 on average, so the curve gave 3
// instances less than the 6000 rec/s they ran and the plan added a fourth.
TEST(CapacityCurveTest, TheStartUpOfARunDoesNotPassForAHotKey) {
  TrueOperator uniform;
  uniform.c = 2500;
  uniform.sigma = 0;
  uniform.h = 0.01;
  v1::Snapshot startup = Observation(uniform, 3, 3900, 1000);
  startup.set_window_s(2);
  startup.set_seconds_since_restart(2);
  startup.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(914);
  std::vector<v1::Snapshot> past = {startup};
  for (int t = 1002; t <= 1006; t += 2) {
    past.push_back(Observation(uniform, 3, 6000, t));
    past.back().set_window_s(2);
    past.back().set_seconds_since_restart(t - 998);
  }
  // A noisy busiest instance in one steady window: the median ignores it.
  past[1].mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(855);
  v1::Snapshot current = past.back();
  past.pop_back();
  const CapacityCurve curve = *Fit(current, past)[1];
  EXPECT_NEAR(curve.hot_key_share, uniform.h, 1e-9);
  EXPECT_EQ(curve.SmallestSustaining(7000, 8), 3);

  // Two steady windows, the first still uneven (12 s into the q1 run: 861
  // ms/s busiest against 703, an estimate of 0.11; at 14 s 0.01): the mean
  // of the two, not the higher, so 3 instances still carry 6300 rec/s.
  std::vector<v1::Snapshot> two = {past[0], Observation(uniform, 3, 5272, 1002)};
  two[1].set_window_s(2);
  two[1].set_seconds_since_restart(4);
  two[1].mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(861);
  v1::Snapshot now = Observation(uniform, 3, 6000, 1004);
  now.set_window_s(2);
  now.set_seconds_since_restart(6);
  EXPECT_EQ(Fit(now, two)[1]->SmallestSustaining(6300, 8), 3);

  // Before any steady window the start-up's skew is all there is.
  startup.set_seconds_since_restart(3);
  const CapacityCurve early = *Fit(startup, {})[1];
  EXPECT_GT(early.hot_key_share, 0.3);
}

// Flink's aggregate on the side-by-side's step profile (issue 15): Flink
// averages busy time over longer than a window, so after a restart to 3
// instances the busiest instance's lead fades over a minute. The latest
// windows, not all of them, say what 3 instances carry when 2,400 rec/s
// arrive and they saturate (no share estimate from that window).
TEST(CapacityCurveTest, TheSkewIsReadFromTheLatestSteadyWindows) {
  TrueOperator aggregate;
  aggregate.c = 828;
  aggregate.sigma = 0;
  aggregate.h = 0.008;
  std::vector<v1::Snapshot> past;
  const std::vector<double> fading = {0.101, 0.067, 0.049, 0.036, 0.033,
                                      0.009, 0.008, 0.007, 0.010};
  for (size_t i = 0; i < fading.size(); ++i) {
    const int t = 1000 + 11 * static_cast<int>(i);
    past.push_back(Observation(aggregate, 3, 1600, t));
    past.back().set_window_s(11);
    past.back().set_seconds_since_restart(22 + 11 * static_cast<double>(i));
    auto* m = past.back().mutable_operators(1)->mutable_metrics();
    m->set_busy_ms_per_s_max(m->busy_ms_per_s_avg() * (1 + 2 * fading[i]));
  }
  v1::Snapshot now = Observation(aggregate, 3, 2400, 1100);
  now.set_window_s(11);
  now.set_seconds_since_restart(121);
  const CapacityCurve curve = *Fit(now, past)[1];
  EXPECT_NEAR(curve.hot_key_share, 0.008, 1e-9);
  EXPECT_EQ(curve.SmallestSustaining(2402, 8), 3);
}

TEST(CapacityCurveTest, UnsettledSnapshotsAndIdleOperatorsAreIgnored) {
  const TrueOperator truth;
  v1::Snapshot restarting = Observation(truth, 2, 900, 1000);
  restarting.set_seconds_since_restart(10);
  v1::Snapshot current = Observation(truth, 5, 1500, 2000);
  const auto curves = Fit(current, {restarting});
  EXPECT_FALSE(curves[1]->contention_known);

  v1::Snapshot idle = Observation(truth, 5, 0, 2000);
  idle.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_avg(0);
  EXPECT_FALSE(Fit(idle, {})[1].has_value());
}

}  // namespace
}  // namespace streamtune
