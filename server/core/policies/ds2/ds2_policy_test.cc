#include "server/core/policies/ds2/ds2_policy.h"

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

std::vector<int> Recommended(const v1::Recommendation& r) {
  std::vector<int> out;
  for (const auto& op : r.operators()) out.push_back(op.recommended_parallelism());
  return out;
}

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

TEST(Ds2Policy, WithoutBacklogHistoryUsesReadRateAndCatchUpOnly) {
  // No earlier snapshot: target = 8000 + 720000 / 300 = 10400 rec/s.
  const v1::Recommendation r = RunDs2(ThrottledChain("b", 1000, 720000), nullptr);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 2, 1, 1));
  EXPECT_TRUE(r.apply());
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
  // Target source = 1000 + 30000/300 = 1100; split emits 2200; a gets 550
  // at 500 per instance -> 2; b gets 1650 at 1500 per instance -> 2.
  EXPECT_THAT(Recommended(RunDs2(s, nullptr)), ElementsAre(1, 1, 2, 2));
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
