#include "client/history/exploration.h"

#include <vector>

#include "client/history/history_workloads.h"
#include "client/sim/generator.h"
#include "client/sim/run.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

sim::OperatorSpec Op(const std::string& id, v1::OperatorKind kind, double capacity,
                     double selectivity = 1) {
  sim::OperatorSpec op;
  op.id = id;
  op.kind = kind;
  op.capacity = capacity;
  op.selectivity = kind == v1::OPERATOR_KIND_SINK ? 0 : selectivity;
  return op;
}

// source -> parse -> count (hash, hot key) -> sink, with capacities such that
// every operator needs several instances (also the sink), and a rate step.
sim::Workload TestWorkload() {
  sim::Workload w;
  w.name = "explore-me";
  w.duration_s = 3600;
  w.seed = 3;
  w.noise_sd = 0.02;
  w.operators = {Op("source", v1::OPERATOR_KIND_SOURCE, 5000),
                 Op("parse", v1::OPERATOR_KIND_MAP, 3000, 2),
                 Op("count", v1::OPERATOR_KIND_KEYED_AGGREGATE, 8000, 0.5),
                 Op("sink", v1::OPERATOR_KIND_SINK, 4000)};
  w.operators[2].contention = 0.01;
  w.operators[2].hot_key_share = 0.02;
  w.edges = {{"source", "parse", v1::PARTITIONING_REBALANCE, 1},
             {"parse", "count", v1::PARTITIONING_HASH, 1},
             {"count", "sink", v1::PARTITIONING_FORWARD, 1}};
  w.sources["source"] = {{0, 12000, 0}, {1800, 20000, 0}};
  return w;
}

std::vector<sim::Decision> Explore(const sim::Workload& w, uint64_t seed) {
  ExplorationOptions options;
  options.seed = seed;
  absl::StatusOr<sim::RunResult> run =
      sim::RunSimulation(w, MakeExplorationDecider(options));
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? run->decisions : std::vector<sim::Decision>();
}

std::vector<std::vector<int>> Configurations(
    const std::vector<sim::Decision>& decisions) {
  std::vector<std::vector<int>> out;
  for (const sim::Decision& d : decisions) out.push_back(d.after);
  return out;
}

TEST(Explorer, SameSeedSameDecisionsOtherSeedOtherDecisions) {
  const sim::Workload w = TestWorkload();
  const auto a = Configurations(Explore(w, 7));
  EXPECT_EQ(a, Configurations(Explore(w, 7)));
  EXPECT_NE(a, Configurations(Explore(w, 8)));
}

TEST(Explorer, PutsEveryOperatorBothBelowAndAboveWhatItNeeds) {
  const sim::Workload w = TestWorkload();
  ExplorationOptions options;
  options.seed = 11;
  absl::StatusOr<sim::RunResult> run =
      sim::RunSimulation(w, MakeExplorationDecider(options));
  ASSERT_TRUE(run.ok()) << run.status();
  const int n = static_cast<int>(w.operators.size());
  std::vector<int> below(n, 0), above(n, 0);
  for (const sim::Decision& d : run->decisions) {
    const std::vector<int>& needed = run->oracle.At(d.t).parallelism;
    for (int v = 0; v < n; ++v) {
      // The configuration that has been running up to this decision point.
      if (d.before[v] < needed[v]) ++below[v];
      if (d.before[v] > needed[v]) ++above[v];
    }
  }
  for (int v = 0; v < n; ++v) {
    EXPECT_GT(below[v], 0) << w.operators[v].id << " never under-provisioned";
    EXPECT_GT(above[v], 0) << w.operators[v].id << " never over-provisioned";
  }
}

// Over generated workloads of every family: nearly every operator that needs
// a few instances at some point of its run is seen both saturated (busiest
// instance >= 900 ms/s) and not, in snapshots the service would label.
TEST(Explorer, SeesMostOperatorsOfGeneratedWorkloadsSaturatedAndNot) {
  PlanOptions plan_options;
  plan_options.jobs = 39;
  plan_options.seed = 2;
  absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(plan_options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  int operators = 0;
  int both = 0;
  for (const sim::Workload& w : plan->workloads) {
    const int n = static_cast<int>(w.operators.size());
    std::vector<bool> saturated(n, false), unsaturated(n, false);
    ExplorationOptions options;
    options.seed = 4;
    const agent::Decider explore = MakeExplorationDecider(options);
    auto observe = [&](const v1::Snapshot& s) {
      if (s.seconds_since_restart() >= s.window_s()) {
        for (int v = 0; v < n; ++v) {
          (s.operators(v).metrics().busy_ms_per_s_max() >= 900 ? saturated
                                                               : unsaturated)[v] = true;
        }
      }
      return explore(s);
    };
    absl::StatusOr<sim::RunResult> run = sim::RunSimulation(w, observe);
    ASSERT_TRUE(run.ok()) << run.status();
    for (int v = 0; v < n; ++v) {
      int needed = 1;
      for (const sim::OracleSegment& segment : run->oracle.segments()) {
        needed = std::max(needed, segment.config.parallelism[v]);
      }
      if (needed < 3) continue;
      ++operators;
      both += saturated[v] && unsaturated[v];
    }
  }
  ASSERT_GT(operators, 50);
  EXPECT_GE(both, 0.85 * operators) << both << " of " << operators;
}

TEST(Explorer, KeepsAConfigurationUntilItWasObservedWithLabels) {
  const sim::Workload w = TestWorkload();
  const std::vector<sim::Decision> decisions = Explore(w, 5);
  int changes = 0;
  for (size_t i = 1; i < decisions.size(); ++i) {
    // A decision right after a change sees a stabilising snapshot.
    if (decisions[i - 1].applied) {
      EXPECT_FALSE(decisions[i].applied) << "t=" << decisions[i].t;
    }
    changes += decisions[i].applied;
  }
  EXPECT_GT(changes, 8);  // It does explore.
}

TEST(Explorer, StaysWithinOneAndMaxParallelism) {
  for (uint64_t seed : {1, 2, 3}) {
    absl::StatusOr<sim::Workload> w = sim::GenerateWorkload("deep_keyed", seed);
    ASSERT_TRUE(w.ok());
    for (sim::OperatorSpec& op : w->operators) op.max_parallelism = 6;
    for (const sim::Decision& d : Explore(*w, seed)) {
      for (int p : d.after) {
        EXPECT_GE(p, 1);
        EXPECT_LE(p, 6);
      }
    }
  }
}

TEST(Explorer, HoldsAStabilisingSnapshotAndRejectsAnEmptyOne) {
  Explorer explorer(ExplorationOptions{});
  v1::Snapshot snapshot;
  EXPECT_EQ(explorer.Decide(snapshot).status().code(),
            absl::StatusCode::kInvalidArgument);
  snapshot.set_window_s(60);
  snapshot.set_seconds_since_restart(30);
  v1::Operator* op = snapshot.add_operators();
  op->set_id("source");
  op->set_kind(v1::OPERATOR_KIND_SOURCE);
  op->set_parallelism(1);
  op->set_max_parallelism(8);
  auto answer = explorer.Decide(snapshot);
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_value());
  EXPECT_EQ(explorer.last_move(), ExplorationMove::kHoldStabilising);
}

}  // namespace
}  // namespace streamtune::history
