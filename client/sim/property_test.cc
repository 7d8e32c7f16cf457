// Invariants of the engine and the oracle over generated workloads.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "client/sim/engine.h"
#include "client/sim/generator.h"
#include "client/sim/oracle.h"
#include "client/sim/run.h"
#include "client/sim/topology.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

constexpr int kSeedsPerFamily = 4;

// Both rate families: steps, ramps and spikes, and windows of real traces.
std::vector<Workload> GeneratedWorkloads() {
  RateOptions trace;
  trace.family = RateFamily::kTrace;
  std::vector<Workload> workloads;
  for (const std::string& family : WorkloadFamilies()) {
    for (uint64_t seed = 100; seed < 100 + kSeedsPerFamily; ++seed) {
      workloads.push_back(*GenerateWorkload(family, seed));
      workloads.push_back(*GenerateWorkload(family, seed, trace));
    }
  }
  return workloads;
}

double Headroom(const Workload& w) {
  return 1.0 + static_cast<double>(w.restart_downtime_s) / w.catch_up_s;
}

// The same job, started at `parallelism`, with every source at a constant
// `rates` (per source position).
Workload Frozen(const Workload& w, const Topology& topology,
                const std::vector<int>& parallelism, const std::vector<double>& rates) {
  Workload frozen = w;
  for (size_t v = 0; v < parallelism.size(); ++v) {
    frozen.operators[v].parallelism = parallelism[v];
  }
  for (size_t s = 0; s < topology.sources().size(); ++s) {
    frozen.sources[topology.id(topology.sources()[s])] = {RateStep{0, rates[s], 0}};
  }
  return frozen;
}

TEST(OracleProperty, FeasibleOracleConfigurationIsBackpressureFree) {
  int checked = 0;
  for (const Workload& w : GeneratedWorkloads()) {
    absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
    absl::StatusOr<Topology> topology = Topology::Build(w);
    ASSERT_TRUE(oracle.ok() && topology.ok());
    const std::vector<OracleSegment>& segments = oracle->segments();
    const size_t stride = std::max<size_t>(1, segments.size() / 10);
    for (size_t i = 0; i < segments.size(); i += stride) {
      const OracleSegment& segment = segments[i];
      if (!segment.config.feasible) continue;
      for (int t : {segment.first_s, segment.last_s}) {
        std::vector<double> rates;
        for (size_t s = 0; s < topology->sources().size(); ++s) {
          rates.push_back(TargetRate(topology->trace(s), t));
        }
        auto engine = std::move(SimulatedEngine::Create(Frozen(
                                    w, *topology, segment.config.parallelism, rates)))
                          .value();
        for (int k = 0; k < 5; ++k) {
          engine->Step();
          ASSERT_TRUE(engine->last_tick().backpressure_free) << w.name << " t=" << t;
          for (double f : engine->throttle_factors()) ASSERT_EQ(f, 1);
          for (double lag : engine->lag()) ASSERT_EQ(lag, 0);
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(OracleProperty, OracleIsMinimal) {
  for (const Workload& w : GeneratedWorkloads()) {
    absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
    absl::StatusOr<Topology> topology = Topology::Build(w);
    ASSERT_TRUE(oracle.ok() && topology.ok());
    for (const OracleSegment& segment : oracle->segments()) {
      std::vector<double> rates;
      for (size_t s = 0; s < topology->sources().size(); ++s) {
        rates.push_back(TargetRate(topology->trace(s), segment.first_s));
      }
      const OracleConfig config = OracleFor(*topology, w, rates);
      ASSERT_EQ(config.parallelism, segment.config.parallelism);
      for (int v = 0; v < topology->size(); ++v) {
        const CapacityModel& model = topology->model(v);
        const int p = config.parallelism[v];
        const double needed = config.demand[v] * Headroom(w);
        ASSERT_GE(p, 1);
        ASSERT_LE(p, topology->max_parallelism(v));
        if (config.operator_feasible[v]) {
          EXPECT_GE(model.Sustainable(p), needed) << w.name << " " << v;
          if (p > 1) {
            EXPECT_LT(model.Sustainable(p - 1), needed) << w.name << " " << v;
          }
        } else {
          // Infeasible: no p reaches it, and p is the best there is.
          for (int q = 1; q <= topology->max_parallelism(v); ++q) {
            ASSERT_LT(model.Sustainable(q), needed);
            ASSERT_LE(model.Sustainable(q), model.Sustainable(p));
          }
        }
      }
    }
  }
}

// A policy that changes a random operator now and then.
Decider RandomDecider(uint64_t seed, int operators) {
  auto generator = std::make_shared<std::mt19937_64>(seed);
  return [generator, operators](
             const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
    if ((*generator)() % 3 != 0) return std::nullopt;
    std::vector<int> p;
    for (const v1::Operator& op : s.operators()) p.push_back(op.parallelism());
    const int v = static_cast<int>((*generator)() % operators);
    p[v] = 1 + static_cast<int>((*generator)() % 24);
    return p;
  };
}

TEST(EngineProperty, ThrottlingNeverExceedsCapacityAndConservesRecords) {
  for (const Workload& w : GeneratedWorkloads()) {
    auto engine = std::move(SimulatedEngine::Create(w)).value();
    const Topology& topology = engine->topology();
    Decider decide = RandomDecider(7, topology.size());
    std::vector<double> previous_lag = engine->lag();
    for (int t = 1; t <= std::min(w.duration_s, 1800); ++t) {
      engine->Step();
      const TickRecord& tick = engine->last_tick();
      const std::vector<OperatorTick>& ops = engine->last_operator_ticks();
      for (int v = 0; v < topology.size(); ++v) {
        const double capacity = topology.model(v).Sustainable(engine->parallelism()[v]);
        ASSERT_LE(ops[v].input, capacity * (1 + 1e-9)) << w.name << " t=" << t;
        ASSERT_GE(ops[v].busy_max_ms, 0);
        ASSERT_LE(ops[v].busy_max_ms, 1000);
        ASSERT_LE(ops[v].busy_avg_ms, ops[v].busy_max_ms + 1e-9);
        ASSERT_GE(ops[v].idle_ms, 0);
      }
      for (size_t s = 0; s < tick.lag.size(); ++s) {
        ASSERT_GE(tick.lag[s], 0);
        // lag' = lag + R - read: nothing is lost or invented.
        ASSERT_NEAR(tick.lag[s],
                    previous_lag[s] + tick.target_rate[s] - tick.source_rate[s],
                    1e-6 * (1 + tick.lag[s]));
      }
      previous_lag = engine->lag();
      if (t % w.decision_interval_s == 0 && !engine->restarting()) {
        absl::StatusOr<v1::Snapshot> s = engine->TakeSnapshot(w.name, "x");
        ASSERT_TRUE(s.ok()) << s.status();
        absl::StatusOr<std::optional<std::vector<int>>> answer = decide(*s);
        if (answer.ok() && answer->has_value()) {
          ASSERT_TRUE(engine->Apply(**answer).ok());
        }
      }
    }
  }
}

TEST(EngineProperty, SameSeedIdenticalSnapshots) {
  for (const Workload& w : GeneratedWorkloads()) {
    std::vector<std::string> snapshots[2];
    RunMetrics metrics[2];
    for (int run = 0; run < 2; ++run) {
      Decider random = RandomDecider(11, static_cast<int>(w.operators.size()));
      absl::StatusOr<RunResult> result = RunSimulation(w, [&](const v1::Snapshot& s) {
        snapshots[run].push_back(s.SerializeAsString());
        return random(s);
      });
      ASSERT_TRUE(result.ok()) << result.status();
      metrics[run] = result->metrics;
    }
    EXPECT_EQ(snapshots[0], snapshots[1]) << w.name;
    EXPECT_EQ(metrics[0].avg_lag_s, metrics[1].avg_lag_s);
    EXPECT_EQ(metrics[0].reconfigurations, metrics[1].reconfigurations);
    EXPECT_EQ(metrics[0].steps_to_converge(), metrics[1].steps_to_converge());
  }
}

TEST(EngineProperty, OracleFollowerIsNeverWorseThanStaticOnSlo) {
  // Provisioning the oracle (one decision late) must meet the SLO at least
  // as often as never scaling, on every generated workload.
  for (const Workload& w : GeneratedWorkloads()) {
    absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
    ASSERT_TRUE(oracle.ok());
    absl::StatusOr<RunResult> fixed = RunSimulation(w, NoChangeDecider());
    absl::StatusOr<RunResult> follower = RunSimulation(
        w,
        [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
          const int t =
              static_cast<int>(s.observed_at().seconds() - kSimulationEpochSeconds);
          return oracle->At(t).parallelism;
        });
    ASSERT_TRUE(fixed.ok() && follower.ok());
    if (fixed->metrics.feasible_seconds == 0) continue;
    EXPECT_GE(follower->metrics.slo_attainment + 0.05, fixed->metrics.slo_attainment)
        << w.name;
  }
}

}  // namespace
}  // namespace streamtune::sim
