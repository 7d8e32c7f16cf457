#include "client/sim/engine.h"

#include <memory>
#include <string>
#include <vector>

#include "client/sim/test_workloads.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using testing::Chain;
using testing::Edge;
using testing::Op;

constexpr double kTolerance = 1e-9;

std::unique_ptr<SimulatedEngine> MakeEngine(const Workload& w) {
  absl::StatusOr<std::unique_ptr<SimulatedEngine>> engine = SimulatedEngine::Create(w);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(engine).value();
}

void StepTo(SimulatedEngine& engine, int t) {
  while (engine.now_s() < t) engine.Step();
}

v1::Snapshot Snapshot(SimulatedEngine& engine) {
  absl::StatusOr<v1::Snapshot> s = engine.TakeSnapshot("job", "s1");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : v1::Snapshot();
}

TEST(SimulatedEngine, RejectsInvalidWorkload) {
  Workload w = Chain(1000);
  w.operators[1].capacity = -1;
  absl::StatusOr<std::unique_ptr<SimulatedEngine>> engine = SimulatedEngine::Create(w);
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SimulatedEngine, UnthrottledChainReportsExactMetrics) {
  auto engine = MakeEngine(Chain(4000));
  StepTo(*engine, 60);
  const v1::Snapshot s = Snapshot(*engine);
  EXPECT_EQ(s.job_id(), "job");
  EXPECT_EQ(s.snapshot_id(), "s1");
  EXPECT_EQ(s.engine(), v1::ENGINE_SIMULATED);
  EXPECT_EQ(s.semantics(), v1::METRIC_SEMANTICS_FLINK);
  EXPECT_EQ(s.observed_at().seconds(), kSimulationEpochSeconds + 60);
  EXPECT_EQ(s.window_s(), 60);
  EXPECT_EQ(s.seconds_since_restart(), 60);
  ASSERT_EQ(s.operators_size(), 3);
  const v1::OperatorMetrics& src = s.operators(0).metrics();
  EXPECT_EQ(s.operators(0).id(), "source");
  EXPECT_EQ(s.operators(0).kind(), v1::OPERATOR_KIND_SOURCE);
  EXPECT_EQ(s.operators(0).parallelism(), 1);
  EXPECT_EQ(s.operators(0).max_parallelism(), 128);
  EXPECT_NEAR(src.records_in_per_s(), 4000, kTolerance);
  EXPECT_NEAR(src.records_out_per_s(), 4000, kTolerance);
  EXPECT_NEAR(src.busy_ms_per_s_max(), 400, kTolerance);
  EXPECT_NEAR(src.busy_ms_per_s_avg(), 400, kTolerance);
  EXPECT_EQ(src.backpressured_ms_per_s_max(), 0);
  EXPECT_NEAR(src.idle_ms_per_s_avg(), 600, kTolerance);
  EXPECT_EQ(src.pending_records(), 0);
  EXPECT_FALSE(src.has_queued_records());
  const v1::OperatorMetrics& map = s.operators(1).metrics();
  EXPECT_NEAR(map.records_in_per_s(), 4000, kTolerance);
  EXPECT_NEAR(map.records_out_per_s(), 8000, kTolerance);
  EXPECT_NEAR(map.busy_ms_per_s_max(), 800, kTolerance);
  EXPECT_NEAR(map.idle_ms_per_s_avg(), 200, kTolerance);
  EXPECT_FALSE(map.has_pending_records());
  const v1::OperatorMetrics& sink = s.operators(2).metrics();
  EXPECT_NEAR(sink.records_in_per_s(), 8000, kTolerance);
  EXPECT_EQ(sink.records_out_per_s(), 0);
  EXPECT_NEAR(sink.busy_ms_per_s_avg(), 80, kTolerance);
  ASSERT_EQ(s.edges_size(), 2);
  EXPECT_EQ(s.edges(0).from(), "source");
  EXPECT_EQ(s.edges(0).to(), "map");
  EXPECT_EQ(s.edges(0).partitioning(), v1::PARTITIONING_REBALANCE);
  EXPECT_EQ(s.edges(0).fraction(), 1);
  EXPECT_TRUE(engine->last_tick().backpressure_free);
  EXPECT_EQ(engine->last_tick().total_parallelism, 3);
}

TEST(SimulatedEngine, SaturatedOperatorThrottlesItsComponent) {
  // map sustains 5000 of the 8000 offered: f = 5000/8000 at t=1, then the
  // source reads min(R + lag, 10000) and f = 5000/10000.
  auto engine = MakeEngine(Chain(8000));
  engine->Step();
  EXPECT_NEAR(engine->throttle_factors()[0], 0.625, kTolerance);
  EXPECT_NEAR(engine->last_tick().source_rate[0], 5000, kTolerance);
  EXPECT_NEAR(engine->lag()[0], 3000, kTolerance);
  engine->Step();
  EXPECT_NEAR(engine->throttle_factors()[0], 0.5, kTolerance);
  EXPECT_NEAR(engine->last_operator_ticks()[0].demand, 10000, kTolerance);
  EXPECT_NEAR(engine->lag()[0], 6000, kTolerance);
  EXPECT_FALSE(engine->last_tick().backpressure_free);
  StepTo(*engine, 60);
  EXPECT_NEAR(engine->lag()[0], 3000 * 60, 1e-6);
  const v1::Snapshot s = Snapshot(*engine);
  const v1::OperatorMetrics& src = s.operators(0).metrics();
  const v1::OperatorMetrics& map = s.operators(1).metrics();
  const v1::OperatorMetrics& sink = s.operators(2).metrics();
  EXPECT_NEAR(src.records_in_per_s(), 5000, kTolerance);
  EXPECT_NEAR(src.busy_ms_per_s_max(), 500, kTolerance);
  // The source feeds the saturated map: backpressured for the rest.
  EXPECT_NEAR(src.backpressured_ms_per_s_max(), 500, kTolerance);
  EXPECT_NEAR(src.idle_ms_per_s_avg(), 0, kTolerance);
  EXPECT_NEAR(src.pending_records(), 180000, 1e-6);
  EXPECT_NEAR(map.busy_ms_per_s_max(), 1000, kTolerance);
  EXPECT_NEAR(map.backpressured_ms_per_s_max(), 0, kTolerance);
  EXPECT_NEAR(map.records_in_per_s(), 5000, kTolerance);
  // Downstream of the bottleneck: no path to it, no backpressure.
  EXPECT_NEAR(sink.records_in_per_s(), 10000, kTolerance);
  EXPECT_EQ(sink.backpressured_ms_per_s_max(), 0);
  EXPECT_NEAR(sink.idle_ms_per_s_avg(), 900, kTolerance);
}

TEST(SimulatedEngine, SourceCappedByItsOwnCapacity) {
  Workload w = Chain(4000);
  w.operators[0].capacity = 3000;
  auto engine = MakeEngine(w);
  StepTo(*engine, 10);
  EXPECT_NEAR(engine->throttle_factors()[0], 1, kTolerance);
  EXPECT_NEAR(engine->last_tick().source_rate[0], 3000, kTolerance);
  EXPECT_NEAR(engine->lag()[0], 10000, kTolerance);
  EXPECT_TRUE(engine->last_operator_ticks()[0].saturated);
  // Nothing is throttled, but the source cannot keep up.
  EXPECT_FALSE(engine->last_tick().backpressure_free);
  const v1::OperatorMetrics& src = Snapshot(*engine).operators(0).metrics();
  EXPECT_NEAR(src.busy_ms_per_s_max(), 1000, kTolerance);
  EXPECT_EQ(src.backpressured_ms_per_s_max(), 0);
  EXPECT_NEAR(src.idle_ms_per_s_avg(), 0, kTolerance);
}

TEST(SimulatedEngine, BackpressureOnlyUpstreamOfTheSaturatedOperator) {
  // source -> slow (saturated), source -> fast: fast is throttled with the
  // component but has no path to `slow`, so it reports no backpressure.
  Workload w;
  w.name = "fork";
  w.duration_s = 100;
  w.noise_sd = 0;
  w.operators = {Op("source", v1::OPERATOR_KIND_SOURCE, 100000),
                 Op("slow", v1::OPERATOR_KIND_MAP, 1000),
                 Op("fast", v1::OPERATOR_KIND_MAP, 100000),
                 Op("sink", v1::OPERATOR_KIND_SINK, 1e6)};
  w.edges = {Edge("source", "slow"), Edge("source", "fast"), Edge("slow", "sink"),
             Edge("fast", "sink")};
  w.sources["source"] = {RateStep{0, 2000, 0}};
  auto engine = MakeEngine(w);
  engine->Step();
  const std::vector<OperatorTick>& ops = engine->last_operator_ticks();
  EXPECT_NEAR(engine->throttle_factors()[0], 0.5, kTolerance);
  EXPECT_NEAR(ops[0].input, 1000, kTolerance);
  EXPECT_NEAR(ops[0].backpressured_ms, 1000 - 10, kTolerance);
  EXPECT_TRUE(ops[1].saturated);
  EXPECT_EQ(ops[1].backpressured_ms, 0);
  EXPECT_NEAR(ops[2].input, 1000, kTolerance);
  EXPECT_EQ(ops[2].backpressured_ms, 0);
  EXPECT_EQ(ops[3].backpressured_ms, 0);
}

TEST(SimulatedEngine, ComponentsThrottleIndependently) {
  Workload w;
  w.name = "two-jobs";
  w.duration_s = 100;
  w.noise_sd = 0;
  w.operators = {Op("a", v1::OPERATOR_KIND_SOURCE, 100000),
                 Op("a_map", v1::OPERATOR_KIND_MAP, 1000),
                 Op("b", v1::OPERATOR_KIND_SOURCE, 100000),
                 Op("b_map", v1::OPERATOR_KIND_MAP, 100000)};
  w.edges = {Edge("a", "a_map"), Edge("b", "b_map")};
  w.sources["a"] = {RateStep{0, 4000, 0}};
  w.sources["b"] = {RateStep{0, 4000, 0}};
  auto engine = MakeEngine(w);
  engine->Step();
  ASSERT_EQ(engine->throttle_factors().size(), 2u);
  EXPECT_NEAR(engine->last_tick().source_rate[0], 1000, kTolerance);
  EXPECT_NEAR(engine->last_tick().source_rate[1], 4000, kTolerance);
  EXPECT_NEAR(engine->lag()[1], 0, kTolerance);
}

TEST(SimulatedEngine, HotKeyLimitsBusiestInstance) {
  Workload w = Chain(3000);
  w.edges[0].partitioning = v1::PARTITIONING_HASH;
  w.operators[1].hot_key_share = 0.5;
  w.operators[1].parallelism = 4;  // share = 0.5 + 0.5/4 = 0.625; C = 8000.
  auto engine = MakeEngine(w);
  StepTo(*engine, 5);
  const OperatorTick& map = engine->last_operator_ticks()[1];
  EXPECT_NEAR(map.busy_max_ms, 1000 * 3000 * 0.625 / 5000, kTolerance);
  EXPECT_NEAR(map.busy_avg_ms, 1000 * 3000 / (5000.0 * 4), kTolerance);
}

TEST(SimulatedEngine, RestartDowntimeAndWindowAfterIt) {
  // map c = 10000 (s = 2), so the job can catch up after the restart.
  Workload w = Chain(4000);
  w.operators[1].capacity = 10000;
  auto engine = MakeEngine(w);
  StepTo(*engine, 60);
  EXPECT_FALSE(engine->restarting());
  absl::StatusOr<bool> changed = engine->Apply({2, 1, 1});
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(engine->restarting());
  EXPECT_EQ(engine->restart_end_s(), 90);
  for (int t = 61; t <= 90; ++t) {
    engine->Step();
    EXPECT_FALSE(engine->last_tick().running) << t;
    EXPECT_EQ(engine->last_tick().source_rate[0], 0);
    EXPECT_EQ(engine->last_tick().total_parallelism, 4);
    EXPECT_NEAR(engine->lag()[0], 4000.0 * (t - 60), kTolerance);
  }
  EXPECT_TRUE(engine->restarting());
  EXPECT_EQ(engine->TakeSnapshot("job", "s").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Catch-up: the source reads min(4000 + lag, C_src(2) = 20000), the map
  // sustains 10000: f = 0.5 while the backlog lasts (lag falls 6000/s).
  engine->Step();
  EXPECT_FALSE(engine->restarting());
  EXPECT_TRUE(engine->last_tick().running);
  EXPECT_NEAR(engine->throttle_factors()[0], 0.5, kTolerance);
  EXPECT_NEAR(engine->lag()[0], 114000, kTolerance);
  StepTo(*engine, 109);
  EXPECT_NEAR(engine->lag()[0], 6000, 1e-6);
  engine->Step();  // t = 110: reads exactly 10000, f = 1.
  EXPECT_NEAR(engine->throttle_factors()[0], 1, kTolerance);
  EXPECT_NEAR(engine->lag()[0], 0, 1e-6);
  StepTo(*engine, 120);
  const v1::Snapshot s = Snapshot(*engine);
  // The averages start at the restart's end (seconds 91..120); window_s
  // stays the configured window, so a policy sees it is still warming up.
  EXPECT_EQ(s.window_s(), 60);
  EXPECT_EQ(s.seconds_since_restart(), 30);
  EXPECT_EQ(s.operators(0).parallelism(), 2);
  const v1::OperatorMetrics& src = s.operators(0).metrics();
  const v1::OperatorMetrics& map = s.operators(1).metrics();
  // 20 s at 10000 and 10 s at 4000.
  EXPECT_NEAR(src.records_in_per_s(), 8000, 1e-6);
  EXPECT_NEAR(src.busy_ms_per_s_max(), 400, 1e-6);
  EXPECT_NEAR(map.busy_ms_per_s_max(), 800, 1e-6);
  // Backpressured 500 ms/s in the 19 throttled seconds 91..109.
  EXPECT_NEAR(src.backpressured_ms_per_s_max(), 19 * 500.0 / 30, 1e-6);
  EXPECT_NEAR(src.pending_records(), 0, 1e-6);
  StepTo(*engine, 200);
  EXPECT_EQ(Snapshot(*engine).window_s(), 60);
}

TEST(SimulatedEngine, ApplyClampsAndReportsChanges) {
  auto engine = MakeEngine(Chain(1000));
  StepTo(*engine, 10);
  absl::StatusOr<bool> changed = engine->Apply({0, 500, 1});
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(engine->parallelism(), (std::vector<int>{1, 128, 1}));
  EXPECT_EQ(engine->restarts(), 1);
  StepTo(*engine, 50);
  changed = engine->Apply({1, 300, 1});  // Clamps to the current config.
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_FALSE(engine->restarting());
  EXPECT_EQ(engine->restarts(), 1);
  EXPECT_EQ(engine->Apply({1, 2}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SimulatedEngine, WindowAveragesTheLastSeconds) {
  Workload w = Chain(1000);
  w.metrics_window_s = 10;
  w.sources["source"] = {RateStep{0, 1000, 0}, RateStep{6, 2000, 0}};
  auto engine = MakeEngine(w);
  StepTo(*engine, 4);
  // The configured window, although the averages cover only 4 seconds yet.
  EXPECT_EQ(Snapshot(*engine).window_s(), 10);
  EXPECT_EQ(Snapshot(*engine).seconds_since_restart(), 4);
  StepTo(*engine, 10);
  v1::Snapshot s = Snapshot(*engine);
  EXPECT_EQ(s.window_s(), 10);
  // Seconds 1..5 at 1000, 6..10 at 2000.
  EXPECT_NEAR(s.operators(0).metrics().records_in_per_s(), 1500, kTolerance);
  StepTo(*engine, 15);
  s = Snapshot(*engine);
  EXPECT_NEAR(s.operators(0).metrics().records_in_per_s(), 2000, kTolerance);
}

TEST(SimulatedEngine, TimelyReportsQueuesInsteadOfBackpressure) {
  Workload w = Chain(8000);
  w.semantics = v1::METRIC_SEMANTICS_TIMELY;
  w.restart_downtime_s = 5;
  w.sources["source"] = {RateStep{0, 8000, 0}, RateStep{100, 1000, 0}};
  auto engine = MakeEngine(w);
  // Unthrottled map demand: 8000 at t=1, then min(R + lag, 10000) = 10000.
  engine->Step();
  EXPECT_NEAR(engine->last_operator_ticks()[1].queued, 3000, kTolerance);
  engine->Step();
  EXPECT_NEAR(engine->last_operator_ticks()[1].queued, 8000, kTolerance);
  engine->Step();
  v1::Snapshot s = Snapshot(*engine);
  EXPECT_EQ(s.semantics(), v1::METRIC_SEMANTICS_TIMELY);
  const v1::OperatorMetrics& map = s.operators(1).metrics();
  EXPECT_NEAR(map.queued_records(), 13000, kTolerance);
  EXPECT_FALSE(map.has_backpressured_ms_per_s_max());
  EXPECT_NEAR(map.idle_ms_per_s_avg(), 1000 - map.busy_ms_per_s_avg(), kTolerance);
  const v1::OperatorMetrics& src = s.operators(0).metrics();
  EXPECT_FALSE(src.has_queued_records());
  EXPECT_FALSE(src.has_backpressured_ms_per_s_max());
  EXPECT_NEAR(src.pending_records(), 9000, kTolerance);
  // Idle = 1000 - busy: the throttled source is idle, not backpressured.
  EXPECT_NEAR(src.idle_ms_per_s_avg(), 500, kTolerance);
  EXPECT_EQ(s.operators(2).metrics().queued_records(), 0);
  // After the rate drops and the backlog is gone the queue drains at the
  // spare capacity C - demand per second.
  bool drained_some = false;
  double queued = engine->last_operator_ticks()[1].queued;
  while (engine->now_s() < 600) {
    engine->Step();
    const OperatorTick& op = engine->last_operator_ticks()[1];
    if (op.demand < 5000) {
      EXPECT_NEAR(op.queued, std::max(0.0, queued - (5000 - op.demand)), 1e-6);
      drained_some = true;
    } else {
      EXPECT_NEAR(op.queued, queued + op.demand - 5000, 1e-6);
    }
    queued = op.queued;
  }
  EXPECT_TRUE(drained_some);
  EXPECT_EQ(queued, 0);
  // A restart starts with empty queues.
  Workload again = w;
  auto restarted = MakeEngine(again);
  StepTo(*restarted, 10);
  ASSERT_GT(restarted->last_operator_ticks()[1].queued, 0);
  ASSERT_TRUE(restarted->Apply({1, 2, 1}).ok());
  restarted->Step();
  EXPECT_EQ(restarted->last_operator_ticks()[1].queued, 0);
}

TEST(SimulatedEngine, NoiseIsDeterministicPerSeed) {
  Workload w = Chain(4000);
  w.noise_sd = 0.1;
  auto a = MakeEngine(w);
  auto b = MakeEngine(w);
  w.seed = 2;
  auto c = MakeEngine(w);
  for (int t = 60; t <= 600; t += 60) {
    StepTo(*a, t);
    StepTo(*b, t);
    StepTo(*c, t);
    const std::string sa = Snapshot(*a).SerializeAsString();
    EXPECT_EQ(sa, Snapshot(*b).SerializeAsString());
    EXPECT_NE(sa, Snapshot(*c).SerializeAsString());
  }
}

TEST(SimulatedEngine, NoiseIsMultiplicativeWithTheConfiguredSd) {
  Workload w = Chain(4000);
  w.noise_sd = 0.05;
  auto engine = MakeEngine(w);
  StepTo(*engine, 60);
  double sum = 0;
  double sum_sq = 0;
  constexpr int kReports = 4000;
  for (int i = 0; i < kReports; ++i) {
    const double ratio =
        Snapshot(*engine).operators(1).metrics().records_in_per_s() / 4000;
    sum += ratio;
    sum_sq += ratio * ratio;
  }
  const double mean = sum / kReports;
  const double sd = std::sqrt(sum_sq / kReports - mean * mean);
  EXPECT_NEAR(mean, 1, 0.005);
  EXPECT_NEAR(sd, 0.05, 0.005);
}

TEST(SimulatedEngine, NoisyBusyTimesStayWithinBounds) {
  Workload w = Chain(8000);  // map saturated: busy_max 1000 before noise.
  w.noise_sd = 0.5;
  auto engine = MakeEngine(w);
  StepTo(*engine, 60);
  for (int i = 0; i < 500; ++i) {
    const v1::Snapshot s = Snapshot(*engine);
    for (const v1::Operator& op : s.operators()) {
      const v1::OperatorMetrics& m = op.metrics();
      EXPECT_GE(m.busy_ms_per_s_max(), 0);
      EXPECT_LE(m.busy_ms_per_s_max(), 1000);
      EXPECT_GE(m.busy_ms_per_s_avg(), 0);
      EXPECT_LE(m.busy_ms_per_s_avg(), 1000);
      EXPECT_GE(m.idle_ms_per_s_avg(), 0);
      EXPECT_GE(m.records_in_per_s(), 0);
    }
  }
}

TEST(NoiseSource, StandardNormalMoments) {
  NoiseSource noise(42, 1);
  double sum = 0;
  double sum_sq = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    const double z = noise.NextStandardNormal();
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / kDraws, 0, 0.01);
  EXPECT_NEAR(sum_sq / kDraws, 1, 0.01);
  NoiseSource zero(42, 0);
  EXPECT_EQ(zero.NextFactor(), 1);
}

}  // namespace
}  // namespace streamtune::sim
