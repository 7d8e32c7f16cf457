#include "server/core/policies/conttune/conttune_policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
using ::testing::StartsWith;
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

// Answers like the tuning core, with the comparable previous snapshot.
v1::Recommendation Answer(const Policy& policy, const v1::Snapshot& now,
                          const std::vector<v1::StoredSnapshot>& history = {},
                          const std::vector<v1::Recommendation>& past = {}) {
  const JobGraph graph(now);
  const PolicyInput input{"t",     graph, {},
                          history, past,  ComparablePrevious(now, history)};
  auto answer = policy.Recommend(input);
  EXPECT_TRUE(answer.ok()) << answer.status();
  return *answer;
}

using ::streamtune::testing::Recommended;

// Every job without backpressure counts as over-provisioned, so the Small
// phase runs: for tests of the GP whatever the job's utilisation.
ContTuneOptions SmallPhaseAlways() {
  ContTuneOptions options;
  options.provisioning.low_utilisation = 2;
  return options;
}

ContTuneOptions WithBeta(double beta) {
  ContTuneOptions options = SmallPhaseAlways();
  options.cbo.beta = beta;
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

TEST(ContTunePolicy, HandComputedBigPhaseLiftsEveryOperatorToPMax) {
  // History: the chain once ran parse at 4 (t = 400 s), so p_max = 4.
  // Now (t = 1000 s, 600 s into the run, so t = 400 s is comparable): the
  // backlog grew 0 -> 720000 in 600 s = 1200 rec/s > 1% of the 8000 read
  // (80 rec/s): backpressure state; enrich busy 1000 >= 900 ms/s: busy. Not
  // catching up (the backlog grows): under-provisioned.
  // Binary lifting: not every operator is at 4, so every operator -> 4.
  v1::Snapshot earlier = ThrottledChain("a", 400, 0);
  earlier.mutable_operators(1)->set_parallelism(4);
  const v1::Recommendation r =
      Answer(ContTunePolicy(), ThrottledChain("b", 1000, 720000), History({earlier}));
  EXPECT_THAT(Recommended(r), ElementsAre(4, 4, 4, 4, 4));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.reason(),
              StartsWith("big phase (under-provisioned: source's backlog grows 1200 "
                         "rec/s; enrich busy 1000 ms/s), binary lifting: lifted to "
                         "p_max = 4"));
}

TEST(ContTunePolicy, HandComputedSmallPhaseAppliesAScaleDownByOneThatDs2Skips) {
  // work (1000 rec/s per instance) observed at p = 1, 2 and now 3, at 1500
  // rec/s: processing abilities 1000, 2000, 3000 rec/s (1500 / 0.5 at p = 3).
  // Utilisation of the non-source instances: (3 · 0.5 + 1 · 0.015) / 4 =
  // 0.379 < 0.5, no backpressure: over-provisioned -> small phase.
  // Target 1500 rec/s: the GP interpolates its observations, μ(1) ≈ 1000 <
  // 1500 <= μ(2) ≈ 2000, so p = 2 (observed, distance 0 <= α). Source and
  // sink: abilities 100000 at p = 1 cover 1500 -> 1.
  // Total 5 -> 4: 5 / 4 = 1.25 >= 1.1, applied. DS2 wants the same 2 (1500 /
  // 1000 per instance), but a lone scale-down by one is not worth a restart
  // to DS2.
  const auto history = History({Steady("a", 1000, 1, 800), Steady("b", 1100, 2, 1500)});
  const v1::Snapshot now = Steady("c", 1200, 3, 1500);
  const v1::Recommendation ds2 = Answer(Ds2Policy(), now, history);
  EXPECT_THAT(Recommended(ds2), ElementsAre(1, 2, 1));
  EXPECT_FALSE(ds2.apply());
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 1));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.reason(), StartsWith("small phase (over-provisioned: utilisation 0.38 "
                                     "< 0.50, no backpressure), 3 of 3 operator(s) by "
                                     "the GP"));
  EXPECT_THAT(r.reason(), HasSubstr("total parallelism 5 -> 4 (-20%) meets the "
                                    "decision threshold 10%"));
}

TEST(ContTunePolicy, HoldsTheSmallPhaseWhileASaturatedSourceHasNoBacklogSignal) {
  // HandComputedSmallPhaseAppliesAScaleDownByOneThatDs2Skips, but the source
  // is saturated and reports no backlog: what it reads may be less than
  // what arrives, so the small phase's scale-down is held.
  const auto history = History({Steady("a", 1000, 1, 800), Steady("b", 1100, 2, 1500)});
  v1::Snapshot now = Steady("c", 1200, 3, 1500);
  auto* m = now.mutable_operators(0)->mutable_metrics();
  m->clear_pending_records();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  m->set_busy_ms_per_s_max(950);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 3, 1));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), StartsWith("small phase"));
  EXPECT_THAT(r.reason(), HasSubstr("arrival rate unknown: source source"));
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("scale-down held"));
}

TEST(ContTunePolicy, BigPhaseLiftsWhereDs2TakesALinearStep) {
  // The throttled chain at its start (every operator at 1, backlog grew
  // 12000 rec/s in 60 s): DS2 sizes each operator for 22400 rec/s; ContTune
  // does not estimate rates while backpressured, it lifts every operator to
  // 2 · p_max = 2 and observes.
  const auto history = History({ThrottledChain("a", 940, 0)});
  const v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  EXPECT_THAT(Recommended(Answer(Ds2Policy(), now, history)),
              ElementsAre(1, 2, 3, 1, 1));
  const v1::Recommendation r = Answer(ContTunePolicy(), now, history);
  EXPECT_THAT(Recommended(r), ElementsAre(2, 2, 2, 2, 2));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(
      r.operators(0).reason(),
      HasSubstr("big phase: every operator already at p_max = 1: doubled to 2"));
}

TEST(ContTunePolicy, SmallPhaseTakesOneStepWhereDs2NeedsTwoUnderContention) {
  // work with contention σ = 0.2: C(1..8) = 1000, 1667, 2143, 2500, 2778,
  // 3000, 3182, 3333 rec/s; observed at p = 1 (800 rec/s), 2, 4, 6 and now
  // 8 (1500 rec/s). Utilisation (8 · 1500/3333 + 0.015) / 9 = 0.40:
  // over-provisioned. ContTune: μ(1) ≈ 1000 < 1500 <= μ(2) ≈ 1667 -> 2 in
  // one step. DS2 extrapolates linearly: at 8, 3333/8 = 417 per instance ->
  // ceil(3.6) = 4; at 4, 625 -> ceil(2.4) = 3; at 3, 714 -> ceil(2.1) = 3:
  // two reconfigurations, and it stops one above.
  auto steady = [](const std::string& id, int64_t t, int p, double rate = 1500) {
    return Steady(id, t, p, rate, 0.2);
  };
  const auto history = History({steady("a", 1000, 1, 800), steady("b", 1100, 2),
                                steady("c", 1200, 4), steady("d", 1300, 6)});
  const v1::Recommendation r = Answer(ContTunePolicy(), steady("e", 1400, 8), history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 1));
  EXPECT_TRUE(r.apply());
  const Ds2Policy ds2;
  EXPECT_EQ(Recommended(Answer(ds2, steady("e", 1400, 8)))[1], 4);
  EXPECT_EQ(Recommended(Answer(ds2, steady("f", 1500, 4)))[1], 3);
  EXPECT_EQ(Recommended(Answer(ds2, steady("g", 1600, 3)))[1], 3);
}

TEST(ContTunePolicy, LeavesAJobAtNormalUtilisationAlone) {
  // work at 4 and 2900 rec/s: (4 · 0.725 + 0.029) / 5 = 0.59 >= 0.5.
  const v1::Recommendation r =
      Answer(ContTunePolicy(), Steady("b", 1100, 4, 2900), History({}));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 4, 1));
  EXPECT_THAT(r.reason(), HasSubstr("normal: utilisation 0.59 >= 0.50"));
  EXPECT_THAT(r.reason(), HasSubstr("left alone"));
}

TEST(ContTunePolicy, RunsTheSmallPhaseAfterTheBigPhaseWhateverTheUtilisation) {
  // The same job as above, but its configuration is the last applied answer
  // of a ContTune big phase: Algorithm 1 goes on with the small phase.
  const v1::Snapshot now = Steady("b", 1100, 4, 2900);
  v1::Recommendation lifted;
  lifted.set_policy("conttune");
  lifted.set_apply(true);
  lifted.set_reason("big phase (...), binary lifting: ...");
  for (const auto& op : now.operators()) {
    auto* a = lifted.add_operators();
    a->set_operator_id(op.id());
    a->set_recommended_parallelism(op.id() == "work" ? 4 : 1);
  }
  const v1::Recommendation r =
      Answer(ContTunePolicy(), now, History({Steady("a", 1000, 2, 1500)}), {lifted});
  EXPECT_THAT(r.reason(), StartsWith("small phase (after the big phase; normal"));
  EXPECT_EQ(Recommended(r)[1], 3);
  EXPECT_TRUE(r.apply());  // Total 6 -> 5: 6/5 = 1.2 >= 1.1.
}

TEST(ContTunePolicy, SkipsAChangeBelowTheDecisionThreshold) {
  // The scale-down of HandComputedSmallPhaseAppliesAScaleDownByOneThatDs2Skips
  // (total 5 -> 4, a ratio of 1.25) against a 30% threshold.
  ContTuneOptions options;
  options.decision_threshold = 0.3;
  const auto history = History({Steady("a", 1000, 1, 800), Steady("b", 1100, 2, 1500)});
  const v1::Recommendation r =
      Answer(ContTunePolicy(options), Steady("c", 1200, 3, 1500), history);
  EXPECT_THAT(Recommended(r), ElementsAre(1, 2, 1));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("total parallelism 5 -> 4 (-20%) is within the "
                                    "decision threshold 30%: skipped"));
}

TEST(ContTunePolicy, BinaryLiftingStopsAtEveryOperatorsMaxParallelism) {
  v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  for (auto& op : *now.mutable_operators()) op.set_max_parallelism(1);
  const v1::Recommendation r =
      Answer(ContTunePolicy(), now, History({ThrottledChain("a", 940, 0)}));
  EXPECT_THAT(Recommended(r), ElementsAre(1, 1, 1, 1, 1));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("every operator is at its max parallelism"));
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
  const v1::Recommendation r = Answer(ContTunePolicy(SmallPhaseAlways()), now, history);
  EXPECT_EQ(Recommended(r)[1], 10);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("is 8 (ability"));
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("4 from the nearest observed p = 12 (alpha 3): too far; DS2 "
                        "fallback: target 4500 rec/s at 476 rec/s per instance"));
  // A wider trusted region takes the GP's 8: C(8) = 4706 copes, C(7) = 4375
  // does not.
  ContTuneOptions wide = SmallPhaseAlways();
  wide.cbo.alpha = 4;
  EXPECT_EQ(Recommended(Answer(ContTunePolicy(wide), now, history))[1], 8);
}

TEST(ContTunePolicy, FallsBackToDs2WhenNoParallelismSeenCoversTheTarget) {
  // work at p = 2 ran slowly once (1000 rec/s at 100% busy) and now
  // processes 1900 rec/s at 95%: the mean ability at p = 2 is (1000 + 2000)
  // / 2 = 1500 < 1900, and p_max = 2. DS2: 1000 per instance -> 2.
  v1::Snapshot slow = Steady("a", 1000, 2, 1000);
  slow.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_avg(1000);
  const v1::Recommendation r = Answer(ContTunePolicy(SmallPhaseAlways()),
                                      Steady("b", 1100, 2, 1900), History({slow}));
  EXPECT_EQ(Recommended(r)[1], 2);
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("predicts no p <= 2 covering target 1900 rec/s; DS2 fallback: "
                        "target 1900 rec/s at 1000 rec/s per instance"));
}

TEST(ContTunePolicy, BinaryLiftingClampsToEachOperatorsMaxParallelism) {
  // p_max = 4 from the history; enrich accepts at most 3.
  v1::Snapshot earlier = ThrottledChain("a", 400, 0);
  earlier.mutable_operators(1)->set_parallelism(4);
  v1::Snapshot now = ThrottledChain("b", 1000, 720000);
  now.mutable_operators(2)->set_max_parallelism(3);
  EXPECT_THAT(Recommended(Answer(ContTunePolicy(), now, History({earlier}))),
              ElementsAre(4, 4, 3, 4, 4));
}

TEST(ContTunePolicy, LeavesAJobAloneWhileItCatchesUp) {
  // Lifted, and the backlog shrinks 1000 rec/s: the input rates still hold
  // the backlog, so the small phase waits for it to drain.
  v1::Snapshot before = Steady("a", 1040, 6, 2900);
  before.set_seconds_since_restart(150);
  before.mutable_operators(0)->mutable_metrics()->set_pending_records(120000);
  v1::Snapshot now = Steady("b", 1100, 6, 2900);
  now.set_seconds_since_restart(210);
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(60000);
  const v1::Recommendation r = Answer(ContTunePolicy(), now, History({before}));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(Recommended(r), ElementsAre(1, 6, 1));
  EXPECT_EQ(r.reason(),
            "catching up: source's backlog shrinks 1000 rec/s (60 s left): left alone");
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
  newest_only.cbo.top_k = 1;
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
