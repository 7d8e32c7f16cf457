#include "server/core/policies/flink_autoscaler/flink_autoscaler_policy.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::AddEdge;
using testing::AddOperator;
using ::testing::ElementsAre;
using testing::EmptySnapshot;
using ::testing::HasSubstr;
using testing::SetLoad;

// Load of source -> map -> sink in one snapshot (busy times in ms/s).
struct Load {
  int map_p = 2;
  int map_max = 128;
  double in = 10000;
  double map_busy = 800;
  double lag = 0;
  double source_backpressure = 0;
  v1::Partitioning edge = v1::PARTITIONING_REBALANCE;
};

// Snapshot j of a job reporting every 60 s from t = 10000 s.
v1::Snapshot Chain(int j, double since_restart, const Load& l) {
  v1::Snapshot s = EmptySnapshot("s" + std::to_string(j), 10000 + 60 * j);
  s.set_seconds_since_restart(since_restart);
  v1::Operator* source = AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1);
  SetLoad(source, l.in, l.in, 100);
  source->mutable_metrics()->set_pending_records(l.lag);
  source->mutable_metrics()->set_backpressured_ms_per_s_max(l.source_backpressure);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, l.map_p, l.map_max), l.in, l.in,
          l.map_busy);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), l.in, 0, 100);
  AddEdge(&s, "source", "map", l.edge);
  AddEdge(&s, "map", "sink");
  return s;
}

// Snapshots 0..n-1 of one long-running run (2 h since restart at j = 0).
std::vector<v1::Snapshot> Series(int n, const std::function<Load(int)>& load) {
  std::vector<v1::Snapshot> out;
  for (int j = 0; j < n; ++j) out.push_back(Chain(j, 7200 + 60 * j, load(j)));
  return out;
}

// Answers the last snapshot with the others as history.
v1::Recommendation Answer(const std::vector<v1::Snapshot>& snapshots,
                          const FlinkAutoscalerOptions& options = {},
                          const std::vector<v1::Recommendation>& past = {}) {
  std::vector<v1::StoredSnapshot> history;
  for (size_t j = 0; j + 1 < snapshots.size(); ++j) {
    history.emplace_back().mutable_snapshot()->CopyFrom(snapshots[j]);
  }
  const JobGraph graph(snapshots.back());
  const PolicyInput input{"t", graph, {}, history, past, nullptr};
  auto answer = FlinkAutoscalerPolicy(options).Recommend(input);
  EXPECT_TRUE(answer.ok()) << answer.status();
  return *answer;
}

using ::streamtune::testing::Recommended;

FlinkAutoscalerOptions Compressed() {
  FlinkAutoscalerOptions o;
  o.time_scale = 12;  // Window 75 s, stabilisation 25 s, interval 300 s.
  return o;
}

// s1 and s2 (p 1 each) -> join (p join_p) -> sink (p 1): the sources read
// s1 and s2 rec/s, the join emits a quarter of its input and is join_busy
// ms/s busy; s2 has `lag` records behind and is backpressured s2_bp ms/s.
struct JoinLoad {
  double s1 = 3000;
  double s2 = 5000;
  int join_p = 2;
  double join_busy = 1000;
  double lag = 0;
  double s2_bp = 0;
};

// Snapshot j of the two-input job, reporting every 60 s from t = 10000 s, in
// a run that began 7200 s before j = 0.
v1::Snapshot TwoInputJoin(int j, const JoinLoad& l) {
  v1::Snapshot s = EmptySnapshot("s" + std::to_string(j), 10000 + 60 * j);
  s.set_seconds_since_restart(7200 + 60 * j);
  v1::Operator* s1 = AddOperator(&s, "s1", v1::OPERATOR_KIND_SOURCE, 1);
  SetLoad(s1, l.s1, l.s1, 100);
  s1->mutable_metrics()->set_pending_records(0);
  v1::Operator* s2 = AddOperator(&s, "s2", v1::OPERATOR_KIND_SOURCE, 1);
  SetLoad(s2, l.s2, l.s2, 100);
  s2->mutable_metrics()->set_pending_records(l.lag);
  s2->mutable_metrics()->set_backpressured_ms_per_s_max(l.s2_bp);
  const double in = l.s1 + l.s2;
  SetLoad(AddOperator(&s, "join", v1::OPERATOR_KIND_JOIN, l.join_p), in, in / 4,
          l.join_busy);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), in / 4, 0, 10);
  AddEdge(&s, "s1", "join");
  AddEdge(&s, "s2", "join");
  AddEdge(&s, "join", "sink");
  return s;
}

TEST(FlinkAutoscalerPolicy, HandComputedTwoInputJoinScalesUpOnlyTheJoin) {
  // Real windows (900 s, 16 samples j = 0..15, every rate constant), at j =
  // 15. s2's lag grows 60000 per minute (900000 now) while the saturated
  // join backpressures it 800 ms/s.
  // s1: λ = 3000; busy-time TPR 3000 / 0.1 = 30000; capacity = round(3000 ·
  //   300/1800 + 3000/0.7) = round(500 + 4285.7) = 4786; factor 0.16,
  //   capped at 0.4 -> ceil(0.4 · 1) = 1.
  // s2: λ = 5000 + 900000/900 = 6000; catch-up 900000/1800 = 500; lag >= 30
  //   s of input from j = 3, so observed TPR 5000 / (1 − 0.8) = 25000 <
  //   busy-time 50000 / 1.15: used. capacity = round(500 + 1000 + 8571.4) =
  //   10071; factor 0.403 -> ceil(0.403) = 1.
  // join: edge ratios (8000 − 5000)/3000 = 1 and (8000 − 3000)/5000 = 1, so
  //   λ = 3000 + 6000 = 9000, catch-up 500; TPR 8000 / 1.0 = 8000 < scale-up
  //   bound round(500 + 9000) = 9500: outside the band. capacity =
  //   round(500 + 1500 + 12857.1) = 14857; factor 1.857 -> ceil(3.71) = 4.
  // sink: ratio 2000/8000, λ = 2250, catch-up 125; TPR 2000 / 0.01 =
  //   200000; capacity round(125 + 375 + 3214.3) = 3714 -> 0.4 -> 1.
  std::vector<v1::Snapshot> series;
  for (int j = 0; j < 16; ++j) {
    JoinLoad l;
    l.lag = 60000.0 * j;
    l.s2_bp = 800;
    series.push_back(TwoInputJoin(j, l));
  }
  const auto r = Answer(series);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 4, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("observed true rate 25000 rec/s"));
  EXPECT_THAT(
      r.operators(2).reason(),
      HasSubstr("needs 14857 rec/s = 500 backlog + 1500 restart + 9000 / 0.70"));
  EXPECT_THAT(r.reason(), HasSubstr("scaling join 2->4"));
}

TEST(FlinkAutoscalerPolicy, HandComputedJoinScaleDownTakesTheIntervalsHighestRequest) {
  // Compressed windows (÷12): 75 s window = the samples j−1 and j; 25 s
  // restart over 150 s catch-up; 300 s scale-down interval. The join (p 8)
  // processes 40000 rec/s when busy: busy 200 ms/s at 8000 rec/s, except at
  // j = 3 and 4, when s2 reads 11000 (14000 in all, busy 350).
  // capacity(λ) = round(λ · 25/150 + λ / 0.7); scale-down bound
  // round(λ · 25/150 + λ / 0.4).
  // j = 1, 2: λ 8000, TPR 8000/0.2 = 40000; capacity 12762, factor 0.319,
  //   capped at 0.4 -> ceil(3.2) = 4; 40000 > bound 21333: outside.
  // j = 3: λ 14000 over busy (0.2 + 0.35)/2: TPR 50909; capacity 22333,
  //   factor 0.439 -> ceil(3.51) = 4.
  // j = 4: λ 14000, TPR 14000/0.35 = 40000; factor 22333/40000 = 0.558 ->
  //   ceil(4.47) = 5; 40000 > bound 37333: outside.
  // j = 5: λ 8000 over busy 0.275: TPR 29091, factor 0.439 -> 4. j = 6: 4.
  // First requested at j = 1 (t = 10060); at j = 6 (t = 10360) the 300 s
  // have passed: the highest request within them, 5 (j = 4, outside the
  // band), is applied. s1, s2 and the sink stay at 1.
  std::vector<v1::Snapshot> series;
  for (int j = 0; j < 7; ++j) {
    JoinLoad l;
    l.join_p = 8;
    const bool spike = j == 3 || j == 4;
    l.s2 = spike ? 11000 : 5000;
    l.join_busy = spike ? 350 : 200;
    series.push_back(TwoInputJoin(j, l));
  }
  const auto r = Answer(series, Compressed());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 5, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(2).reason(),
              HasSubstr("-> 4; scale-down requested for 300 s: 5, the highest request "
                        "of the last 300 s"));
}

TEST(FlinkAutoscalerPolicy, ScalesUpByTheTargetCapacityFormula) {
  // 16 samples fill the 900 s window. The backlog grows 60000 per minute:
  // λ = 10000 + 1000 = 11000 rec/s; catch-up 900000 / 1800 = 500 rec/s.
  // map: TPR 10000 / 1.0 = 10000 < scale-up bound 500 + 11000 = 11500.
  // capacity = round(500 + 11000·300/1800 + 11000/0.7) = 18048
  // -> factor 1.8048 -> ceil(3.61) = 4.
  const auto r = Answer(Series(16, [](int j) {
    Load l;
    l.map_busy = 1000;
    l.lag = 60000.0 * j;
    l.source_backpressure = 900;
    return l;
  }));
  EXPECT_THAT(Recommended(r), ElementsAre(1, 4, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("utilisation 1.10 (target 11000 rec/s, busy-time true rate "
                        "10000 rec/s) outside [0.40, 1.00]"));
  EXPECT_THAT(
      r.operators(1).reason(),
      HasSubstr("needs 18048 rec/s = 500 backlog + 1833 restart + 11000 / 0.70"));
  EXPECT_THAT(r.reason(), HasSubstr("scaling map 2->4"));
}

TEST(FlinkAutoscalerPolicy, DoesNotScaleInsideTheUtilisationBand) {
  // map: TPR 10000 / 0.8 = 12500 within [10000, round(1667 + 25000) = 26667]:
  // the formula asks for ceil(15952 / 12500 · 2) = 3, but nothing is outside.
  const auto r = Answer(Series(16, [](int) { return Load(); }));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("utilisation 0.80"));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("inside [0.40, 1.00]"));
  EXPECT_THAT(r.reason(), HasSubstr("not scaling (map 2->3)"));
}

// map at 10 instances, 10% busy: TPR 100000 > 26667; the formula wants
// ceil(15952 / 100000 · 10) = 2, the max factor allows 0.4 · 10 = 4.
Load Idle(int) {
  Load l;
  l.map_p = 10;
  l.map_busy = 100;
  return l;
}

TEST(FlinkAutoscalerPolicy, DelaysAScaleDownForTheInterval) {
  // Compressed windows: the 75 s window first holds two samples at j = 1
  // (t = 10060), so the scale-down waits until t = 10360 (j = 6).
  const auto r = Answer(Series(6, Idle), Compressed());
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 10, 1));
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("scale-down delayed: requested 240 s ago, interval 300 s"));
  EXPECT_THAT(r.reason(), HasSubstr("scale-down delayed for map (240 of 300 s)"));
}

TEST(FlinkAutoscalerPolicy, ScalesDownByAtMostTheMaxFactorAfterTheInterval) {
  const auto r = Answer(Series(7, Idle), Compressed());
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 4, 1));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("x0.40"));
}

TEST(FlinkAutoscalerPolicy, ScalesDownToTheHighestRequestOfTheInterval) {
  // Until j = 3 the map is 34.5% busy: TPR 28986, ceil(0.5503 · 10) = 6; from
  // j = 4 the window average falls and it asks for 4. The interval started
  // at j = 1 still holds the request for 6 (j = 3).
  const auto r = Answer(Series(7,
                               [](int j) {
                                 Load l = Idle(j);
                                 if (j <= 3) l.map_busy = 345;
                                 return l;
                               }),
                        Compressed());
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 6, 1));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("6, the highest request"));
}

TEST(FlinkAutoscalerPolicy, ARescaleRestartsTheScaleDownDelay) {
  // The map ran at 12 until a restart 30 s before j = 3; stabilisation and
  // the window make j = 5 the first request, so at j = 9 it has waited 240 s.
  std::vector<v1::Snapshot> snapshots;
  for (int j = 0; j < 10; ++j) {
    Load l = Idle(j);
    if (j < 3) l.map_p = 12;
    snapshots.push_back(Chain(j, j < 3 ? 7200 + 60 * j : 30 + 60 * (j - 3), l));
  }
  const auto r = Answer(snapshots, Compressed());
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("requested 240 s ago"));
}

TEST(FlinkAutoscalerPolicy, AnAppliedRecommendationRestartsTheScaleDownDelay) {
  v1::Recommendation applied;
  applied.set_snapshot_id("s3");
  applied.set_apply(true);
  auto* op = applied.add_operators();
  op->set_operator_id("map");
  op->set_current_parallelism(10);
  op->set_recommended_parallelism(4);
  const auto r = Answer(Series(7, Idle), Compressed(), {applied});
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("requested 120 s ago"));
}

// Saturated map at 3 instances, slowly growing backlog: λ = 10100, catch-up
// 90000 / 1800 = 50, capacity round(50 + 1683 + 14429) = 16162; TPR 10000
// < 10150: ceil(1.6162 · 3) = 5.
Load Saturated3(int j) {
  Load l;
  l.map_p = 3;
  l.map_busy = 1000;
  l.lag = 6000.0 * j;
  l.source_backpressure = 900;
  return l;
}

TEST(FlinkAutoscalerPolicy, KeepsTheComputedParallelismForRebalancedInputs) {
  EXPECT_THAT(Recommended(Answer(Series(16, Saturated3))), ElementsAre(1, 5, 1));
}

TEST(FlinkAutoscalerPolicy, AlignsHashInputsToADivisorOfTheKeyGroups) {
  // 128 key groups: 5, 6 and 7 do not divide 128, 8 does.
  const auto r = Answer(Series(16, [](int j) {
    Load l = Saturated3(j);
    l.edge = v1::PARTITIONING_HASH;
    return l;
  }));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 8, 1));
}

TEST(FlinkAutoscalerPolicy, KeepsEverythingWhileStabilising) {
  std::vector<v1::Snapshot> snapshots = Series(16, Saturated3);
  snapshots.push_back(Chain(16, 100, Saturated3(16)));
  const auto r = Answer(snapshots);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 3, 1));
  EXPECT_THAT(r.reason(), HasSubstr("stabilising: 100 s since restart"));
}

TEST(FlinkAutoscalerPolicy, WaitsForAFullMetricsWindowAfterStabilising) {
  // Restarted at j = 10, 360 s ago: stable after 300 s; the first sample
  // after that (j = 15) fills the window 900 s later, 840 s from now.
  std::vector<v1::Snapshot> snapshots = Series(10, Saturated3);
  for (int j = 10; j < 17; ++j)
    snapshots.push_back(Chain(j, 60 * (j - 10), Saturated3(j)));
  const auto r = Answer(snapshots);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("metrics window filling: full in 840 s"));
}

TEST(FlinkAutoscalerPolicy, NeedsTwoSamples) {
  const auto r = Answer({Chain(0, 7200, Saturated3(0))});
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("need two snapshots"));
}

TEST(FlinkAutoscalerPolicy, AddsTheCatchUpTermForASourceBacklog) {
  // Constant lag 5.4e6 = 540 s of input (> 300 s: processing backlog, band
  // [0, 1]); catch-up 5.4e6 / 1800 = 3000. map TPR 12500 < 3000 + 10000:
  // capacity round(3000 + 1667 + 14286) = 18952, ceil(1.516 · 2) = 4. Without
  // the backlog the same map is inside its band (DoesNotScaleInside...).
  const auto r = Answer(Series(16, [](int) {
    Load l;
    l.lag = 5.4e6;
    l.source_backpressure = 900;
    return l;
  }));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 4, 1));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("= 3000 backlog + 1667 restart"));
  EXPECT_THAT(r.reason(), HasSubstr("processing backlog: source source lags 540 s"));
}

TEST(FlinkAutoscalerPolicy, ClampsToMaxParallelism) {
  // λ = 20000, catch-up 5000, capacity 36905; TPR 10000: ceil(3.69 · 2) = 8,
  // but the operator's max parallelism is 4.
  const auto series = Series(16, [](int j) {
    Load l;
    l.map_max = 4;
    l.map_busy = 1000;
    l.lag = 600000.0 * j;
    l.source_backpressure = 900;
    return l;
  });
  EXPECT_THAT(Recommended(Answer(series)), ElementsAre(1, 4, 1));
}

TEST(FlinkAutoscalerPolicy, TimeScaleShortensEveryWindow) {
  // Restarted 10 s before j = 0. Real windows: still stabilising at 190 s.
  // Divided by 12: stable at 25 s, window (75 s) full at j = 3 with samples
  // 2 and 3; catch-up 180000 / 150 = 1200, restart term 11000 · 25 / 150.
  std::vector<v1::Snapshot> snapshots;
  for (int j = 0; j < 4; ++j) {
    Load l;
    l.map_busy = 1000;
    l.lag = 60000.0 * j;
    l.source_backpressure = 900;
    snapshots.push_back(Chain(j, 10 + 60 * j, l));
  }
  EXPECT_THAT(Answer(snapshots).reason(), HasSubstr("stabilising"));
  const auto r = Answer(snapshots, Compressed());
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 4, 1));
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("needs 18748 rec/s = 1200 backlog + 1833 restart"));
}

TEST(FlinkAutoscalerPolicy, UsesTheObservedRateOfACatchingUpSource) {
  // The source reads 10000 rec/s unthrottled while its lag grows: observed
  // TPR 10000 beats the busy-time 100000 by > 15%, so it scales like the map.
  const auto r = Answer(Series(16, [](int j) {
    Load l;
    l.map_busy = 1000;
    l.lag = 60000.0 * j;
    return l;
  }));
  EXPECT_THAT(Recommended(r), ElementsAre(2, 4, 1));
  EXPECT_THAT(r.operators(0).reason(), HasSubstr("observed true rate 10000 rec/s"));
}

TEST(FlinkAutoscalerPolicy, KeepsOperatorsWithoutBusyTime) {
  auto series = Series(16, Saturated3);
  for (auto& s : series)
    s.mutable_operators(1)->mutable_metrics()->clear_busy_ms_per_s_max();
  const auto r = Answer(series);
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 3);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("no true processing rate"));
}

TEST(FlinkAutoscalerAlignment, FollowsTheOperatorsRule) {
  const auto kEven = KeyGroupAdjustMode::kEvenlySpread;
  // Scale-up 3 -> 5 with 128 key groups: next divisor 8; without hash: 5.
  EXPECT_EQ(FlinkAutoscalerParallelism(3, true, 128, 5.0 / 3, 1, 200, kEven), 8);
  EXPECT_EQ(FlinkAutoscalerParallelism(3, false, 128, 5.0 / 3, 1, 200, kEven), 5);
  // Non-power-of-two key groups: 1 -> 7 with 100 groups becomes 10.
  EXPECT_EQ(FlinkAutoscalerParallelism(1, true, 100, 7, 1, 200, kEven), 10);
  // Scale-down 10 -> 5 searches up to the current 10: 8.
  EXPECT_EQ(FlinkAutoscalerParallelism(10, true, 128, 0.5, 1, 200, kEven), 8);
  // Scale-down 6 -> 5: nothing in [5, 6]; downwards, 4 has more groups each.
  EXPECT_EQ(FlinkAutoscalerParallelism(6, true, 128, 5.0 / 6, 1, 200, kEven), 4);
  // Scale-up 4 -> 5 capped at 7 with 8 groups: only 4 fits, so no change.
  EXPECT_EQ(FlinkAutoscalerParallelism(4, true, 8, 1.25, 1, 7, kEven), 4);
  // Maximise utilisation: 6 already lowers groups per subtask (21 < 25).
  EXPECT_EQ(FlinkAutoscalerParallelism(1, true, 128, 5, 1, 200,
                                       KeyGroupAdjustMode::kMaximizeUtilisation),
            6);
  // Bounds: the operator's max parallelism and vertex.max-parallelism.
  EXPECT_EQ(FlinkAutoscalerParallelism(1, false, 4, 10, 1, 200, kEven), 4);
  EXPECT_EQ(FlinkAutoscalerParallelism(1, false, 1000, 500, 1, 200, kEven), 200);
}

}  // namespace
}  // namespace streamtune
