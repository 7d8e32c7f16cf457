#include "server/core/policies/streamtune/streamtune_policy.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/learning/model_context.h"
#include "server/core/testing/need_model.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;
using testing::NeedTrainer;
using ::testing::Not;

// The policy on its own: models handed in as a ModelContext, no store.
class StreamTunePolicyTest : public ::testing::Test {
 protected:
  // A run whose global model needs `need` per operator.
  void PublishGlobal(const std::vector<int>& need) {
    v1::Model global;
    global.set_model_id("run.global");
    global.set_version(1);
    global.set_cluster_id("global");
    global.set_kind(kGlobalModelKind);
    global.set_pretrain_run("run");
    (*global.mutable_metrics())["train_positives"] = 1;
    (*global.mutable_metrics())["train_labelled_nodes"] = 2;
    run_ = PretrainedModels{"run", {}, global};
    global_need_ = absl::StrJoin(need, ",");
  }

  // The job's fine-tuned model: tuned from the global model's version
  // `cluster_version`, needing `need`.
  void SetJobModel(const std::vector<int>& need, int64_t cluster_version = 1) {
    v1::Model job;
    job.set_model_id("job:job");
    job.set_version(3);
    job.set_kind(kJobModelKind);
    job.set_job_id("job");
    job.set_cluster_id("global");
    job.set_pretrain_run("run");
    (*job.mutable_metrics())["cluster_version"] = cluster_version;
    job_model_ = job;
    job_need_ = absl::StrJoin(need, ",");
  }

  ModelContext Context() const {
    ModelContext context(run_, "shared", job_model_);
    if (run_.has_value()) {
      context.AddLoaded(*run_->global, *trainer_.Load(global_need_));
    }
    if (job_model_.has_value())
      context.AddLoaded(*job_model_, *trainer_.Load(job_need_));
    return context;
  }

  PolicyDecision Decide(const v1::Snapshot& s,
                        const std::vector<v1::StoredSnapshot>& history = {},
                        const StreamTunePolicy* policy = nullptr) {
    const JobGraph graph(s);
    const v1::Snapshot* previous =
        history.empty() ? nullptr : &history.back().snapshot();
    labels_ = LabelBottlenecks(graph, previous);
    const ModelContext context = Context();
    PolicyInput input{"t", graph, labels_, history, {}, previous};
    input.models = &context;
    auto decision = (policy == nullptr ? &policy_ : policy)->Decide(input);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.ok() ? *decision : PolicyDecision();
  }

  v1::Recommendation Recommend(const v1::Snapshot& s,
                               const std::vector<v1::StoredSnapshot>& history = {},
                               const StreamTunePolicy* policy = nullptr) {
    return Decide(s, history, policy).recommendation;
  }

  // source -> map -> sink with `map` saturated and behind (an observed
  // bottleneck).
  static v1::Snapshot MapSaturated(const std::string& id, int64_t at, int map_p,
                                   double rate = 1000) {
    v1::Snapshot s = testing::EmptySnapshot(id, at);
    testing::SetLoad(testing::AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1),
                     rate, rate, 100);
    // A backlog of one minute of input: the target is 20% above what the
    // saturated map lets through, so the job falls behind.
    s.mutable_operators(0)->mutable_metrics()->set_pending_records(60 * rate);
    testing::SetLoad(testing::AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, map_p, 8),
                     rate, rate, 1000);
    testing::SetLoad(testing::AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), rate,
                     0, 100);
    testing::AddEdge(&s, "source", "map");
    testing::AddEdge(&s, "map", "sink");
    return s;
  }

  // source -> map -> sink at `rate` with map at parallelism 2 and 1300 rec/s
  // per instance (busy in proportion), no backlog, `since_restart` s into
  // its run.
  static v1::Snapshot MapAt(const std::string& id, int64_t at, double rate,
                            double since_restart) {
    v1::Snapshot s = testing::EmptySnapshot(id, at);
    s.set_seconds_since_restart(since_restart);
    testing::SetLoad(testing::AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1),
                     rate, rate, 100);
    s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
    testing::SetLoad(testing::AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 2), rate,
                     rate, 1000 * rate / 2600);
    testing::SetLoad(testing::AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), rate,
                     0, 100);
    testing::AddEdge(&s, "source", "map");
    testing::AddEdge(&s, "map", "sink");
    return s;
  }

  // `s` stored with the labels LabelBottlenecks gives it on its own.
  static v1::StoredSnapshot Labelled(v1::Snapshot s) {
    v1::StoredSnapshot stored;
    *stored.mutable_snapshot() = std::move(s);
    const JobGraph graph(stored.snapshot());
    for (auto& label : LabelBottlenecks(graph, nullptr)) *stored.add_labels() = label;
    return stored;
  }

  // Ten minutes of history, one snapshot a minute, at rate(i) for minute i;
  // the current snapshot is minute 10.
  template <typename Rate>
  static std::vector<v1::StoredSnapshot> MinutesOf(Rate rate) {
    std::vector<v1::StoredSnapshot> history;
    for (int i = 0; i < 10; ++i) {
      v1::StoredSnapshot past;
      *past.mutable_snapshot() =
          MapAt(absl::StrCat("h", i), 400 + 60 * i, rate(i), 1000 + 60 * i);
      history.push_back(std::move(past));
    }
    return history;
  }

  NeedTrainer trainer_;
  std::optional<PretrainedModels> run_;
  std::string global_need_;
  std::optional<v1::Model> job_model_;
  std::string job_need_;
  StreamTunePolicy policy_;
  std::vector<v1::OperatorLabel> labels_;
};

TEST_F(StreamTunePolicyTest, FallsBackToDs2WithoutAPretrainedModel) {
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 1));
  EXPECT_TRUE(r.fallback());
  EXPECT_THAT(r.reason(), HasSubstr("DS2 fallback (no pre-trained model yet"));
}

TEST_F(StreamTunePolicyTest, ScalesAnObservedBottleneckToWhereTheModelIsConfident) {
  PublishGlobal({1, 8, 1});
  v1::StoredSnapshot past;  // The backlog grew by 20 rec/s since then.
  *past.mutable_snapshot() = MapSaturated("s0", 940, 1);
  past.mutable_snapshot()->mutable_operators(0)->mutable_metrics()->set_pending_records(
      58800);
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 1), {past});
  EXPECT_FALSE(r.fallback());
  EXPECT_TRUE(r.apply());
  // The linear bound is 2 (1000 rec/s per instance, a target of 1220 rec/s
  // with the backlog); the trust region allows 1.5 × 2, not 8.
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 3);
  EXPECT_DOUBLE_EQ(r.operators(1).bottleneck_probability_current(), 0.9);
  EXPECT_EQ(r.model_id(), "run.global");  // No fine-tuned model yet.
  EXPECT_EQ(r.cluster_id(), "global");
}

TEST_F(StreamTunePolicyTest,
       AModelSeeingABottleneckAtEveryParallelismLeavesTheLinearBound) {
  PublishGlobal({1, 9, 1});  // P = 0.9 at every p up to the map's maximum, 8.
  v1::StoredSnapshot past;
  *past.mutable_snapshot() = MapSaturated("s0", 940, 1);
  past.mutable_snapshot()->mutable_operators(0)->mutable_metrics()->set_pending_records(
      58800);
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 1), {past});
  EXPECT_TRUE(r.apply());
  // Such a model says nothing about how many instances are enough: the
  // linear bound (2) decides, not the trust region's edge (3).
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 2);
  EXPECT_THAT(r.operators(1).reason(),
              HasSubstr("model: a bottleneck at every p up to 8, linear bound 2"));
}

TEST_F(StreamTunePolicyTest, SizesARiseThatBeganInsideTheWindowForItsNewRate) {
  // Real Flink, 600 -> 1600 rec/s about a third into an 11-s window: the
  // window's mean arrival is 1,236, but the map (828 rec/s per instance)
  // went from 725 to 905 ms/s busy, so the rise began 35% into the window
  // and about 1,575 rec/s arrive now.
  PublishGlobal({1, 1, 1});  // The model adds nothing: the demand decides.
  v1::StoredSnapshot past;
  *past.mutable_snapshot() = testing::RisingChain("s0", 1000, 600, 0, 600, 725);
  const v1::Recommendation r =
      Recommend(testing::RisingChain("s1", 1011, 866, 4097, 749, 905), {past});
  EXPECT_TRUE(r.apply());
  // On the mean (1,236 / 0.85 = 1,454 rec/s) 2 instances; on the new rate
  // (1,575 / 0.85 = 1,853) 3, which also carry the next level, 2,400.
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 3);
  EXPECT_THAT(r.operators(0).reason(), HasSubstr("rise inside the window: 1575 rec/s"));
}

TEST_F(StreamTunePolicyTest, WaitsForTheBacklogTrendBeforeTheFirstScaleUpOfARun) {
  PublishGlobal({1, 8, 1});
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 1));
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(),
              HasSubstr("waiting one interval for the backlog's growth rate"));
}

TEST_F(StreamTunePolicyTest,
       AQueueRightAfterARestartIsWaitedOutAndDrainingIsNoBottleneck) {
  // Timely, 2 s after a restart: the map (at 2) is saturated with 600
  // queued and takes in less than its producer sends, the source has no
  // backlog left. Without an earlier snapshot of this run the queue's trend
  // is unknown: wait one interval.
  PublishGlobal({1, 8, 1});
  v1::Snapshot first = MapSaturated("s1", 1000, 2);
  first.set_semantics(v1::METRIC_SEMANTICS_TIMELY);
  first.set_window_s(2);
  first.set_seconds_since_restart(2);
  first.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  auto* map = first.mutable_operators(1)->mutable_metrics();
  map->set_records_in_per_s(900);
  map->set_busy_ms_per_s_max(980);
  map->set_queued_records(600);
  const v1::Recommendation waited = Recommend(first);
  EXPECT_FALSE(waited.apply());
  EXPECT_THAT(waited.reason(), HasSubstr("waiting one interval"));
  // 2 s later the queue is nearly gone: the map works it off, so however
  // busy, it keeps up and nothing is raised.
  v1::Snapshot second = first;
  second.set_snapshot_id("s2");
  second.mutable_observed_at()->set_seconds(1002);
  second.set_seconds_since_restart(4);
  second.mutable_operators(1)->mutable_metrics()->set_queued_records(10);
  v1::StoredSnapshot stored;
  *stored.mutable_snapshot() = first;
  const v1::Recommendation drained = Recommend(second, {stored});
  EXPECT_FALSE(drained.apply());
  EXPECT_THAT(drained.reason(), Not(HasSubstr("bottleneck:")));
  EXPECT_EQ(labels_[1].label(), v1::BOTTLENECK_LABEL_UNDECIDED);
}

TEST_F(StreamTunePolicyTest, ASingleSpareInstanceIsNotWorthARestart) {
  PublishGlobal({1, 1, 1});
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->set_parallelism(2);  // 1000 rec/s at 25% busy.
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_avg(250);
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(250);
  const v1::Recommendation r = Recommend(s);
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 1);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("saving 1 < 2"));
}

TEST_F(StreamTunePolicyTest, RespectsMaxParallelism) {
  PublishGlobal({1, 500, 1});
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 6));
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 8);
  for (const auto& op : r.operators()) EXPECT_GE(op.recommended_parallelism(), 1);
}

TEST_F(StreamTunePolicyTest, NeverGoesToOrBelowAParallelismObservedAsABottleneck) {
  // The model thinks 2 is plenty; the job is a bottleneck at 5, saturated
  // and behind its demand, so at least 6 it is.
  PublishGlobal({1, 2, 1});
  const v1::StoredSnapshot past = Labelled(MapSaturated("s0", 880, 5, 1500));
  ASSERT_EQ(past.labels(1).label(), v1::BOTTLENECK_LABEL_BOTTLENECK);
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 5, 1200), {past});
  EXPECT_GE(r.operators(1).recommended_parallelism(), 6);
  EXPECT_THAT(r.operators(1).reason(), HasSubstr("bottleneck at p=5"));
}

TEST_F(StreamTunePolicyTest, ABottleneckThatCarriedTodaysDemandSetsNoFloor) {
  // Saturated at 2 instances behind a backlog (a target above the 1500
  // rec/s it processed), as while working off a restart's backlog; today
  // 1200 rec/s arrive with no backlog, which those 2 instances carried.
  PublishGlobal({1, 2, 1});
  const v1::StoredSnapshot past = Labelled(MapSaturated("s0", 880, 2, 1500));
  ASSERT_EQ(past.labels(1).label(), v1::BOTTLENECK_LABEL_BOTTLENECK);
  const v1::Recommendation r = Recommend(MapAt("s1", 1000, 1200, 1000), {past});
  EXPECT_LE(r.operators(1).recommended_parallelism(), 2) << r.operators(1).reason();
  EXPECT_THAT(r.operators(1).reason(), Not(HasSubstr("bottleneck at p=2")));
  EXPECT_FALSE(r.apply()) << r.reason();
}

TEST_F(StreamTunePolicyTest, StopsScalingWhenMoreInstancesBroughtNoGain) {
  PublishGlobal({1, 8, 1});
  // Saturated at 2 and at 4 processing the same 1000 rec/s: a capped
  // operator; going beyond 2 buys nothing.
  std::vector<v1::StoredSnapshot> history;
  for (auto [id, at, p] : {std::tuple{"a", 760, 2}, std::tuple{"b", 880, 4}}) {
    history.push_back(Labelled(MapSaturated(id, at, p)));
  }
  const v1::Recommendation r = Recommend(MapSaturated("s1", 1000, 4), history);
  EXPECT_EQ(r.operators(1).recommended_parallelism(),
            4);  // Never shrinks on a scale-up.
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("more instances would not help"));
}

TEST_F(StreamTunePolicyTest, KeepsASaturatedJobThatDrainsItsBacklogInTime) {
  PublishGlobal({1, 4, 1});
  v1::StoredSnapshot past;
  *past.mutable_snapshot() = MapSaturated("s0", 940, 2);
  past.mutable_snapshot()->mutable_operators(0)->mutable_metrics()->set_pending_records(
      12000);
  v1::Snapshot now = MapSaturated("s1", 1000, 2);
  // 12000 -> 6000 in 60 s: drained in another 60 s, well within 300 s.
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(6000);
  v1::Recommendation r = Recommend(now, {past});
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("no bottleneck"));
  // A backlog that grows instead means the job does not keep up.
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(18000);
  r = Recommend(now, {past});
  EXPECT_TRUE(r.apply());
}

TEST_F(StreamTunePolicyTest, ScalesASaturatedMapUpWhenTheBacklogIsUnknown) {
  // The map is saturated and the source backpressured, but the source
  // reports no backlog: the target (the read rate) is only a lower bound,
  // so the map cannot be shown behind it, nor shown to keep up. It counts
  // as an observed bottleneck, and nothing is scaled down.
  PublishGlobal({1, 4, 1});
  v1::StoredSnapshot past;
  *past.mutable_snapshot() = MapSaturated("s0", 940, 2);
  v1::Snapshot now = MapSaturated("s1", 1000, 2);
  for (v1::Snapshot* s : {past.mutable_snapshot(), &now}) {
    auto* m = s->mutable_operators(0)->mutable_metrics();
    m->clear_pending_records();
    m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
    m->set_backpressured_ms_per_s_max(500);
  }
  const v1::Recommendation r = Recommend(now, {past});
  EXPECT_TRUE(r.apply());
  EXPECT_GT(r.operators(1).recommended_parallelism(), 2);
  EXPECT_THAT(r.reason(), HasSubstr("bottleneck: map"));
  EXPECT_THAT(r.reason(), HasSubstr("arrival rate unknown: source source"));
  for (const auto& op : r.operators()) {
    EXPECT_GE(op.recommended_parallelism(), op.current_parallelism()) << op.reason();
  }
}

TEST_F(StreamTunePolicyTest, WaitsForTheWarmUpAfterARestart) {
  PublishGlobal({1, 4, 1});
  v1::Snapshot s = MapSaturated("s1", 1000, 1);
  s.set_seconds_since_restart(20);
  const v1::Recommendation r = Recommend(s);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), HasSubstr("warming up"));
}

TEST_F(StreamTunePolicyTest, AsksForFineTuningAndAnswersWithTheNewestTunedModel) {
  PublishGlobal({1, 4, 1});
  std::vector<v1::StoredSnapshot> history = {Labelled(MapSaturated("s0", 940, 1))};
  // No fine-tuned model yet: the global one answers, and the decision asks
  // for the job's own (trained in the background, never here).
  PolicyDecision d = Decide(MapSaturated("s1", 1000, 1), history);
  EXPECT_EQ(d.recommendation.model_id(), "run.global");
  ASSERT_TRUE(d.fine_tune.has_value());
  EXPECT_EQ(d.fine_tune->model_tenant, "shared");
  EXPECT_EQ(d.fine_tune->cluster_model_id, "run.global");
  EXPECT_EQ(d.fine_tune->cluster_model_version, 1);
  EXPECT_EQ(trainer_.trained, 0);
  // Once it exists, it answers (and the next observation asks again).
  SetJobModel({1, 2, 1});
  d = Decide(MapSaturated("s1", 1000, 1), history);
  EXPECT_EQ(d.recommendation.model_id(), "job:job");
  EXPECT_EQ(d.recommendation.model_version(), 3);
  EXPECT_THAT(d.recommendation.reason(), HasSubstr("fine-tuned v3"));
  EXPECT_TRUE(d.fine_tune.has_value());
  // A job model tuned from an older version of the cluster model is not
  // used.
  SetJobModel({1, 2, 1}, /*cluster_version=*/0);
  d = Decide(MapSaturated("s1", 1000, 1), history);
  EXPECT_EQ(d.recommendation.model_id(), "run.global");
}

TEST_F(StreamTunePolicyTest, AsksNothingForTheFirstSnapshotOrWhenFineTuningIsOff) {
  PublishGlobal({1, 4, 1});
  EXPECT_FALSE(Decide(MapSaturated("s1", 1000, 1)).fine_tune.has_value());
  StreamTuneOptions options;
  options.fine_tune_steps = 0;
  const StreamTunePolicy untuned(options);
  v1::StoredSnapshot past;
  *past.mutable_snapshot() = MapSaturated("s0", 940, 1);
  EXPECT_FALSE(Decide(MapSaturated("s1", 1000, 1), {past}, &untuned).fine_tune);
}

TEST_F(StreamTunePolicyTest, FallsBackWhenTheServerLoadsNoModels) {
  const v1::Snapshot snapshot = MapSaturated("s1", 1000, 1);
  const JobGraph graph(snapshot);
  labels_ = LabelBottlenecks(graph, nullptr);
  const PolicyInput input{"t", graph, labels_, {}, {}, nullptr};
  auto r = policy_.Recommend(input);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->fallback());
  EXPECT_THAT(r->reason(), HasSubstr("loads no models"));
}

TEST_F(StreamTunePolicyTest, ProvisionsAheadOfAForecastRise) {
  PublishGlobal({1, 1, 1});
  // 500 rec/s rising by 150 a minute; now 2000: map's 2 instances (2600
  // rec/s) keep up, and are not a bottleneck, but the trend passes 2600
  // within the lead (a 30 s restart plus its catch-up, 200 s, so the next
  // 5 steps: about 2750 rec/s at the last).
  const auto history = MinutesOf([](int i) { return 500.0 + 150 * i; });
  const v1::Snapshot now = MapAt("s1", 1000, 2000, 1600);
  const v1::Recommendation planned = Recommend(now, history);
  EXPECT_TRUE(planned.apply()) << planned.reason();
  EXPECT_GE(planned.operators(1).recommended_parallelism(), 3);
  EXPECT_THAT(planned.reason(), HasSubstr("forecast: source 2000 rec/s now"));
  EXPECT_THAT(planned.reason(), HasSubstr("trend over"));
  EXPECT_THAT(planned.reason(), HasSubstr("plan over 600 s (a restart costs 22 "
                                          "instance-min): change 4 -> "));

  // Without the forecast (the ablation) nothing is a bottleneck yet: keep.
  StreamTuneOptions options;
  options.use_forecast = false;
  options.policy_name = "streamtune-reactive";
  const StreamTunePolicy reactive(options);
  EXPECT_EQ(reactive.name(), "streamtune-reactive");
  const v1::Recommendation reacted = Recommend(now, history, &reactive);
  EXPECT_FALSE(reacted.apply());
  EXPECT_EQ(reacted.operators(1).recommended_parallelism(), 2);
}

TEST_F(StreamTunePolicyTest, KeepsWhileTheForecastStaysWithinTheConfiguration) {
  PublishGlobal({1, 1, 1});
  const auto history = MinutesOf([](int i) { return i % 2 ? 1900.0 : 2000.0; });
  const v1::Recommendation r = Recommend(MapAt("s1", 1000, 1950, 1600), history);
  EXPECT_FALSE(r.apply()) << r.reason();
  EXPECT_THAT(r.reason(), HasSubstr("keep 4 instances for 600 s, no later change"));
  EXPECT_THAT(r.reason(), ::testing::Not(HasSubstr("cheaper than keeping")));
}

TEST_F(StreamTunePolicyTest, PlansOnlyOnceASourceHasEnoughHistory) {
  PublishGlobal({1, 1, 1});
  auto history = MinutesOf([](int i) { return 500.0 + 150 * i; });
  history.erase(history.begin(), history.end() - 3);  // 3 + now = 4 < 5 points.
  const v1::Recommendation r = Recommend(MapAt("s1", 1000, 2000, 1600), history);
  EXPECT_FALSE(r.apply());
  EXPECT_THAT(r.reason(), ::testing::Not(HasSubstr("forecast:")));
}

}  // namespace
}  // namespace streamtune
