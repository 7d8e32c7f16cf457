#include "server/core/policies/conttune/conttune_policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::AddEdge;
using testing::AddOperator;
using ::testing::ElementsAre;
using testing::EmptySnapshot;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SetLoad;
using testing::ThrottledChain;

// docs/simulator.md §2 without a hot key: C(p) = c·p / (1 + σ·(p − 1)).
double Capacity(int p, double per_instance, double contention) {
  return per_instance * p / (1 + contention * (p - 1));
}

// source -> work -> sink keeping up with `rate` rec/s; "work" (1000 rec/s
// per instance, contention σ) runs at parallelism p, so its true processing
// rate is C(p). Busy times follow docs/simulator.md §4 without noise. Taken 90 s
// after the restart that set p: stabilised, and no earlier snapshot of the
// same run.
v1::Snapshot Steady(const std::string& id, int64_t observed_s, int p, double rate,
                    double contention = 0, int max_parallelism = 128) {
  v1::Snapshot s = EmptySnapshot(id, observed_s);
  s.set_seconds_since_restart(90);
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), rate, rate,
          1000 * rate / 100000);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  SetLoad(AddOperator(&s, "work", v1::OPERATOR_KIND_MAP, p, max_parallelism), rate,
          rate, 1000 * rate / Capacity(p, 1000, contention));
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), rate, 0,
          1000 * rate / 100000);
  AddEdge(&s, "source", "work");
  AddEdge(&s, "work", "sink");
  return s;
}

std::vector<v1::StoredSnapshot> History(const std::vector<v1::Snapshot>& snapshots) {
  std::vector<v1::StoredSnapshot> out;
  for (const auto& s : snapshots) *out.emplace_back().mutable_snapshot() = s;
  return out;
}

// Answers like the tuning core: labels from the comparable previous snapshot.
v1::Recommendation Answer(const Policy& policy, const v1::Snapshot& now,
                          const std::vector<v1::StoredSnapshot>& history = {}) {
  const JobGraph graph(now);
  const v1::Snapshot* previous = ComparablePrevious(now, history);
  const std::vector<v1::OperatorLabel> labels = LabelBottlenecks(graph, previous);
  const PolicyInput input{"t", graph, labels, history, {}, previous};
  auto answer = policy.Recommend(input);
  EXPECT_TRUE(answer.ok()) << answer.status();
  return *answer;
}

std::vector<int> Recommended(const v1::Recommendation& r) {
  std::vector<int> out;
  for (const auto& op : r.operators()) out.push_back(op.recommended_parallelism());
  return out;
}

ContTuneOptions WithBeta(double beta) {
  ContTuneOptions options;
  options.beta = beta;
  return options;
}

TEST(ContTunePolicy, WaitsOneWindowAfterARestart) {
  v1::Snapshot now = Steady("b", 1100, 6, 2900);
  now.set_seconds_since_restart(30);
  const v1::Recommendation r = Answer(ContTunePolicy(), now);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 6, 1));
  EXPECT_THAT(r.reason(), HasSubstr("warming up"));
}

TEST(ContTunePolicy, BigPhaseIsOneDs2StepWhenBackpressured) {
  // enrich is saturated and the backlog grew 12000 rec/s over 60 s.
  const auto history = History({ThrottledChain("a", 940, 0)});
  const v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  const v1::Recommendation ds2 = Answer(Ds2Policy(), now, history);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 3, 1, 1));
  EXPECT_EQ(Recommended(r), Recommended(ds2));
  EXPECT_EQ(r.apply(), ds2.apply());
  EXPECT_THAT(r.reason(), HasSubstr("big phase (source's backlog grows 12000 rec/s; "
                                    "enrich is a bottleneck), one DS2 step"));
  EXPECT_THAT(r.operators(2).reason(),
              HasSubstr("big phase, DS2 step: target 22400 rec/s at 8000 rec/s"));
}

TEST(ContTunePolicy, LabelsTheSnapshotItselfWhenGivenNoLabels) {
  const v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  const JobGraph graph(now);
  const PolicyInput input{"t", graph, {}, {}, {}, nullptr};
  auto r = ContTunePolicy().Recommend(input);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->reason(), HasSubstr("big phase (enrich is a bottleneck)"));
}

TEST(ContTunePolicy, BinaryLiftingLiftsEveryOperatorToTheLargestParallelismSeen) {
  ContTuneOptions options;
  options.big_phase = ContTuneOptions::BigPhase::kBinaryLifting;
  v1::Snapshot earlier = ThrottledChain("a", 400, 0);
  earlier.mutable_operators(1)->set_parallelism(4);
  const v1::Recommendation r =
      Answer(ContTunePolicy(options), ThrottledChain("b", 1000, 0), History({earlier}));
  EXPECT_THAT(Recommended(r), ElementsAre(4, 4, 4, 4, 4));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("binary lifting"));
}

TEST(ContTunePolicy, BinaryLiftingDoublesWhenEveryOperatorIsAlreadyThere) {
  ContTuneOptions options;
  options.big_phase = ContTuneOptions::BigPhase::kBinaryLifting;
  const v1::Recommendation r =
      Answer(ContTunePolicy(options), ThrottledChain("b", 1000, 0));
  EXPECT_THAT(Recommended(r), ElementsAre(2, 2, 2, 2, 2));
  EXPECT_THAT(r.operators(0).reason(), HasSubstr("doubled to 2"));
}

TEST(ContTunePolicy, SmallPhasePicksTheSmallestCoveringParallelismOfALinearOperator) {
  // work: 1000 rec/s per instance, observed at p = 2, 4 and now 6. Target
  // 2900 rec/s: p = 3 (3000 rec/s) is the smallest that copes.
  const auto history =
      History({Steady("a", 1000, 2, 1500), Steady("b", 1100, 4, 1500)});
  const v1::Recommendation r =
      Answer(ContTunePolicy(), Steady("c", 1200, 6, 2900), history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 3, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("small phase: GP on 3 observation(s) at p = {2, 4, 6}"));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("target 2900 rec/s is 3 (ability"));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("1 from the nearest observed p = 2"));
  EXPECT_THAT(r.reason(), HasSubstr("small phase (not under-provisioned), 3 of 3"));
}

TEST(ContTunePolicy, SmallPhaseDoesNotOverProvisionASubLinearOperator) {
  // Contention σ = 0.2: C(2..8) = 1667, 2143, 2500, 2778, 3000, 3182, 3333.
  // At p = 8 and 2400 rec/s, DS2 extrapolates 417 rec/s per instance
  // linearly and wants 6; the observations show p = 4 copes (the oracle's
  // choice).
  const auto history =
      History({Steady("a", 1000, 2, 1500, 0.2), Steady("b", 1100, 4, 1500, 0.2),
               Steady("c", 1200, 6, 1500, 0.2)});
  const v1::Snapshot now = Steady("d", 1300, 8, 2400, 0.2);
  EXPECT_EQ(Recommended(Answer(Ds2Policy(), now, history))[1], 6);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_EQ(Recommended(r)[1], 4);
  EXPECT_TRUE(r.apply());
}

TEST(ContTunePolicy, LowerConfidenceBoundIsMoreConservativeThanTheMean) {
  // Linear work observed at p = 2 and now 4, target 2900 rec/s: the GP's
  // mean at the unobserved p = 3 is 3150 ± 259 rec/s, so the mean covers
  // the target and the lower bound μ − σ does not; the observed p = 4 does.
  const auto history = History({Steady("a", 1000, 2, 1500)});
  const v1::Snapshot now = Steady("b", 1100, 4, 2900);
  EXPECT_EQ(Recommended(Answer(ContTunePolicy(WithBeta(0)), now, history))[1], 3);
  const v1::Recommendation r = Answer(ContTunePolicy(WithBeta(1)), now, history);
  EXPECT_EQ(Recommended(r)[1], 4);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("is 4 (ability"));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("beta 1"));
}

TEST(ContTunePolicy, FallsBackToDs2FarFromEveryObservation) {
  // σ = 0.1, observed at p = 2 and 12 (now, 4500 rec/s at 476 per instance).
  // The GP's p = 8 is 4 from p = 12, beyond α = 3: DS2's 10 instead.
  const auto history = History({Steady("a", 1000, 2, 1500, 0.1)});
  const v1::Snapshot now = Steady("b", 1100, 12, 4500, 0.1);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_EQ(Recommended(r)[1], 10);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("is 8 (ability"));
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("4 from the nearest observed p = 12 (alpha 3): too far; DS2 "
                        "fallback: target 4500 rec/s at 476 rec/s per instance"));
  // A wider trusted region takes the GP's 8: C(8) = 4706 copes, C(7) = 4375
  // does not.
  ContTuneOptions wide;
  wide.alpha = 4;
  EXPECT_EQ(Recommended(Answer(ContTunePolicy(wide), now, history))[1], 8);
}

TEST(ContTunePolicy, FallsBackToDs2WhenNoParallelismSeenCoversTheTarget) {
  // Observed at p = 1 and 2 (2000 rec/s); the backlog adds 1000 rec/s of
  // catch-up to the 1700 read: 2700 rec/s, beyond anything observed.
  const auto history = History({Steady("a", 1000, 1, 800)});
  v1::Snapshot now = Steady("b", 1100, 2, 1700);
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(300000);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_EQ(Recommended(r)[1], 3);
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("predicts no p <= 2 covering target 2700 rec/s; DS2 fallback"));
}

TEST(ContTunePolicy, ClampsToMaxParallelism) {
  // 1700 + 1500000 / 300 = 6700 rec/s wants 7 instances; at most 3 exist.
  const auto history = History({Steady("a", 1000, 1, 800, 0, 3)});
  v1::Snapshot now = Steady("b", 1100, 2, 1700, 0, 3);
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(1500000);
  EXPECT_EQ(Recommended(Answer(ContTunePolicy(), now, history))[1], 3);
}

TEST(ContTunePolicy, LearnsOnlyFromStabilisedSnapshots) {
  v1::Snapshot restarting = Steady("b", 1100, 5, 1500);
  restarting.set_seconds_since_restart(30);
  const auto history = History({Steady("a", 1000, 2, 1500), restarting});
  const v1::Recommendation r =
      Answer(ContTunePolicy(), Steady("c", 1200, 6, 2900), history);
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("GP on 2 observation(s) at p = {2, 6}"));
}

TEST(ContTunePolicy, AveragesTheKMostRecentObservationsPerParallelism) {
  const auto history = History({Steady("a", 1000, 2, 1500), Steady("b", 1100, 2, 1200),
                                Steady("c", 1200, 4, 1500)});
  const v1::Snapshot now = Steady("d", 1300, 6, 2900);
  EXPECT_THAT(Answer(ContTunePolicy(), now, history).operators(1).reason(),
              HasSubstr("GP on 4 observation(s) at p = {2, 4, 6}"));
  ContTuneOptions newest_only;
  newest_only.top_k = 1;
  EXPECT_THAT(Answer(ContTunePolicy(newest_only), now, history).operators(1).reason(),
              HasSubstr("GP on 3 observation(s) at p = {2, 4, 6}"));
}

TEST(ContTunePolicy, KeepsAnOperatorWithoutObservationsAsDs2Does) {
  v1::Snapshot now = Steady("a", 1000, 6, 2900);
  now.mutable_operators(2)->mutable_metrics()->clear_busy_ms_per_s_avg();
  const v1::Recommendation r = Answer(ContTunePolicy(), now);
  EXPECT_EQ(Recommended(r)[2], 1);
  EXPECT_THAT(
      r.operators(2).reason(),
      HasSubstr("no processing-ability observation; DS2 fallback: no busy time"));
  EXPECT_THAT(r.operators(1).reason(), Not(HasSubstr("DS2")));
}

}  // namespace
}  // namespace streamtune
