#include "server/core/policies/ds2/ds2_policy.h"

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
using testing::ThrottledChain;

using ::streamtune::testing::Recommended;

v1::Recommendation RunDs2(const v1::Snapshot& snapshot, const v1::Snapshot* previous) {
  const JobGraph graph(snapshot);
  const PolicyInput input{"t", graph, {}, {}, {}, previous};
  auto answer = Ds2Policy().Recommend(input);
  EXPECT_TRUE(answer.ok()) << answer.status();
  return *answer;
}

TEST(Ds2Policy, ScalesTheChainToTheTargetRateInOneStep) {
  // Backlog grew 0 -> 720000 in 60 s: arrival = 8000 + 12000 = 20000 rec/s,
  // plus catch-up 720000 / 300 = 2400: target 22400 rec/s.
  const v1::Snapshot before = ThrottledChain("a", 940, 0);
  const v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  const v1::Recommendation r = RunDs2(now, &before);
  // source 22400/50000 -> 1, parse 22400/12000 -> 2, enrich 22400/8000 -> 3,
  // filter 22400/30000 -> 1, sink 11200/100000 -> 1.
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 3, 1, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(2).reason(), HasSubstr("target 22400 rec/s"));
  EXPECT_THAT(r.operators(2).reason(), HasSubstr("8000 rec/s per instance"));
}

TEST(Ds2Policy, WaitsForTheBacklogGrowthOnTheFirstDecisionOfARun) {
  // No earlier snapshot of this run: the arrival rate is unknown. Read rate
  // + backlog / 300 s would be 8000 + 2400 = 10400 rec/s, well below the
  // 20000 that arrive.
  const v1::Recommendation r = RunDs2(ThrottledChain("b", 1000, 720000), nullptr);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 1, 1, 1));
  EXPECT_THAT(r.reason(),
              HasSubstr("waiting one window for the backlog's growth: source source "
                        "has 720000 pending records and this run has no earlier "
                        "snapshot"));
  EXPECT_THAT(r.operators(2).reason(), HasSubstr("waiting one window"));
}

TEST(Ds2Policy, DecidesOnTheFirstSnapshotOfARunWithoutABacklog) {
  // Nothing pending: the read rate is the arrival rate. map: 1000 rec/s at
  // 50% busy is 2000 rec/s, 2000 per instance -> 1; already there.
  const v1::Recommendation r = RunDs2(testing::ValidChain(), nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 1));
  EXPECT_THAT(r.reason(), HasSubstr("already matches"));
}

TEST(Ds2Policy, HandComputedFanOutWithSelectivitiesAndFractions) {
  // source (p 1) -> parse (flat_map, p 2) -> {a 25%, b 75%} -> sink.
  // source: backlog 120000 -> 240000 in 60 s: +2000 rec/s; arrival 6000 +
  //   2000 = 8000; catch-up 240000 / 300 = 800: λ = 8800. TPR 6000 / 0.3 =
  //   20000 per instance -> ceil(0.44) = 1.
  // parse: λ = 8800 · 1 (source selectivity) = 8800; TPR 6000 / 1.0 = 6000
  //   over 2 instances = 3000 each -> ceil(2.93) = 3.
  // a: λ = 8800 · 2 (parse emits 12000 per 6000) · 0.25 = 4400; TPR 3000 /
  //   0.5 = 6000 per instance -> ceil(0.73) = 1.
  // b: λ = 8800 · 2 · 0.75 = 13200; TPR 9000 / 0.75 = 12000 over 2 = 6000
  //   each -> ceil(2.2) = 3.
  // sink: λ = 4400 · 1 + 13200 · 1/3 (b keeps a third) = 8800; TPR 6000 /
  //   0.06 = 100000 -> 1.
  // parse 2 -> 3 and b 2 -> 3: applied.
  auto job = [](const std::string& id, int64_t t, double pending) {
    v1::Snapshot s = EmptySnapshot(id, t);
    v1::Operator* source = AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1);
    SetLoad(source, 6000, 6000, 300);
    source->mutable_metrics()->set_pending_records(pending);
    SetLoad(AddOperator(&s, "parse", v1::OPERATOR_KIND_FLAT_MAP, 2), 6000, 12000, 1000);
    SetLoad(AddOperator(&s, "a", v1::OPERATOR_KIND_MAP, 1), 3000, 3000, 500);
    SetLoad(AddOperator(&s, "b", v1::OPERATOR_KIND_FILTER, 2), 9000, 3000, 750);
    SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 6000, 0, 60);
    AddEdge(&s, "source", "parse");
    AddEdge(&s, "parse", "a")->set_fraction(0.25);
    AddEdge(&s, "parse", "b")->set_fraction(0.75);
    AddEdge(&s, "a", "sink");
    AddEdge(&s, "b", "sink");
    return s;
  };
  const v1::Snapshot before = job("a", 940, 120000);
  const v1::Recommendation r = RunDs2(job("b", 1000, 240000), &before);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 3, 1, 3, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("target 8800 rec/s at 3000 rec/s"));
  EXPECT_THAT(r.operators(3).reason(), HasSubstr("target 13200 rec/s at 6000 rec/s"));
  EXPECT_THAT(r.operators(4).reason(), HasSubstr("target 8800 rec/s"));
}

TEST(Ds2Policy, HandComputedScaleDownOfAnOverProvisionedJob) {
  // Nothing pending, so the first snapshot of the run decides: λ = 3000
  // rec/s everywhere (selectivity 1).
  // source (p 2): TPR 3000 / 0.075 = 40000, 20000 per instance -> 1.
  // map (p 6): TPR 3000 / 0.25 = 12000, 2000 per instance -> ceil(1.5) = 2.
  // sink (p 1): TPR 3000 / 0.03 = 100000 -> 1.
  // The source goes down by one, but the map by four: applied.
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 2), 3000, 3000, 75);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 6), 3000, 3000, 250);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 3000, 0, 30);
  AddEdge(&s, "source", "map");
  AddEdge(&s, "map", "sink");
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("2 operator(s) off their target rate"));
}

TEST(Ds2Policy, WaitsOneWindowAfterARestart) {
  v1::Snapshot s = ThrottledChain("b", 1000, 720000);
  s.set_seconds_since_restart(30);
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 1, 1, 1));
  EXPECT_THAT(r.reason(), HasSubstr("warming up"));
}

TEST(Ds2Policy, IgnoresAChangeThatOnlyScalesDownByOne) {
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 100);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  // 1000 rec/s at 40% busy over 2 instances: 1250 rec/s per instance -> 1.
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 2), 1000, 1000, 400);
  AddEdge(&s, "source", "map");
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("scale-downs by one"));
}

TEST(Ds2Policy, ScalesDownByMoreThanOne) {
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 100);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  // 1000 rec/s at 10% busy over 8 instances: 1250 rec/s per instance -> 1.
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 8), 1000, 1000, 100);
  AddEdge(&s, "source", "map");
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1));
  EXPECT_TRUE(r.apply());
}

TEST(Ds2Policy, HoldsScaleDownsWhileAThrottledSourceHasNoBacklogSignal) {
  // The over-provisioned map of ScalesDownByMoreThanOne, but the source is
  // backpressured and reports no backlog: 1000 rec/s is only what it read,
  // not what arrives, so DS2's scale-down is held and the reason says so.
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 100);
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  m->set_backpressured_ms_per_s_max(600);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 8), 1000, 1000, 100);
  AddEdge(&s, "source", "map");
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 8));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("arrival rate unknown: source source (no backlog "
                                    "signal, backpressured 600 ms/s"));
  EXPECT_THAT(r.reason(), HasSubstr("may be falling behind"));
  // The same source, idle and not backpressured, reads all that arrives.
  m->set_backpressured_ms_per_s_max(0);
  EXPECT_THAT(Recommended(RunDs2(s, nullptr)), ElementsAre(1, 1));
}

TEST(Ds2Policy, ClampsToMaxParallelism) {
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 10);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  // 100 rec/s per instance against a 1000 rec/s target wants 10, max is 4.
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 1, 4), 100, 100, 1000);
  AddEdge(&s, "source", "map");
  EXPECT_THAT(Recommended(RunDs2(s, nullptr)), ElementsAre(1, 4));
}

TEST(Ds2Policy, SplitsTargetsByEdgeFractionAndSelectivity) {
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 10);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(30000);
  // flat_map doubles records; its output is split 25% / 75%.
  SetLoad(AddOperator(&s, "split", v1::OPERATOR_KIND_FLAT_MAP, 1), 1000, 2000, 100);
  SetLoad(AddOperator(&s, "a", v1::OPERATOR_KIND_MAP, 1), 500, 500, 1000);
  SetLoad(AddOperator(&s, "b", v1::OPERATOR_KIND_MAP, 1), 1500, 1500, 1000);
  AddEdge(&s, "source", "split");
  AddEdge(&s, "split", "a")->set_fraction(0.25);
  AddEdge(&s, "split", "b")->set_fraction(0.75);
  // The backlog stood at 30000 a minute earlier too (no growth).
  v1::Snapshot before = s;
  before.set_snapshot_id("s0");
  before.mutable_observed_at()->set_seconds(940);
  // Target source = 1000 + 30000/300 = 1100; split emits 2200; a gets 550
  // at 500 per instance -> 2; b gets 1650 at 1500 per instance -> 2.
  EXPECT_THAT(Recommended(RunDs2(s, &before)), ElementsAre(1, 1, 2, 2));
}

TEST(Ds2Policy, KeepsOperatorsWithoutBusyTime) {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->mutable_metrics()->clear_busy_ms_per_s_avg();
  const v1::Recommendation r = RunDs2(s, nullptr);
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 1);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("no busy time"));
}

}  // namespace
}  // namespace streamtune
