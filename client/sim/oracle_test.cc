#include "client/sim/oracle.h"

#include <vector>

#include "client/sim/test_workloads.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using testing::Chain;
using testing::Edge;
using testing::Op;

OracleConfig OracleAt(const Workload& w, std::vector<double> rates) {
  absl::StatusOr<Topology> topology = Topology::Build(w);
  EXPECT_TRUE(topology.ok()) << topology.status();
  return OracleFor(*topology, w, rates);
}

TEST(Oracle, SmallestParallelismWithRestartHeadroom) {
  // Headroom 1 + 30/300 = 1.1.
  const Workload w = Chain(4000);
  OracleConfig low = OracleAt(w, {4000});
  EXPECT_EQ(low.parallelism, (std::vector<int>{1, 1, 1}));
  EXPECT_TRUE(low.feasible);
  EXPECT_EQ(low.demand, (std::vector<double>{4000, 4000, 8000}));
  EXPECT_EQ(low.total_parallelism, 3);
  // 9100 · 1.1 = 10010: source C(1) = 10000 and map C(2) = 10000 fall just
  // short; the sink needs 20020 of its 100000.
  OracleConfig high = OracleAt(w, {9100});
  EXPECT_EQ(high.parallelism, (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(high.total_parallelism, 6);
  // Exactly enough counts: 5000 / 1.1 needs C(1) >= 5000.
  EXPECT_EQ(OracleAt(w, {5000 / 1.1 - 1e-6}).parallelism[1], 1);
}

TEST(Oracle, HeadroomFollowsDowntimeAndCatchUp) {
  Workload w = Chain(4000);
  w.restart_downtime_s = 300;                        // Headroom 2.
  EXPECT_EQ(OracleAt(w, {2500}).parallelism[1], 1);  // Needs 5000 = C(1).
  EXPECT_EQ(OracleAt(w, {2501}).parallelism[1], 2);
}

TEST(Oracle, InfeasibleOperatorTakesTheBestParallelism) {
  Workload w = Chain(4000);
  w.operators[1].max_parallelism = 2;
  OracleConfig config = OracleAt(w, {9100});
  EXPECT_EQ(config.parallelism[1], 2);
  EXPECT_FALSE(config.operator_feasible[1]);
  EXPECT_TRUE(config.operator_feasible[0]);
  EXPECT_FALSE(config.feasible);
  // With a peaked C (σ = h = 0.1 behind a hash edge: best p = 9, C(9) =
  // 5000 / 0.36 = 13889 < 13000 · 1.1) the oracle takes the peak, not
  // max_parallelism.
  w.operators[1].max_parallelism = 128;
  w.operators[1].contention = 0.1;
  w.operators[1].hot_key_share = 0.1;
  w.edges[0].partitioning = v1::PARTITIONING_HASH;
  config = OracleAt(w, {13000});
  EXPECT_EQ(config.parallelism[1], 9);
  EXPECT_FALSE(config.feasible);
}

TEST(Oracle, DemandAddsUpAcrossInputsAndFractions) {
  Workload w;
  w.name = "join";
  w.duration_s = 100;
  w.operators = {Op("a", v1::OPERATOR_KIND_SOURCE, 1e6),
                 Op("b", v1::OPERATOR_KIND_SOURCE, 1e6),
                 Op("join", v1::OPERATOR_KIND_JOIN, 1000, 0.5),
                 Op("sink", v1::OPERATOR_KIND_SINK, 1e6)};
  w.edges = {Edge("a", "join", v1::PARTITIONING_HASH, 0.5),
             Edge("b", "join", v1::PARTITIONING_HASH), Edge("join", "sink")};
  w.sources["a"] = {RateStep{0, 4000, 0}};
  w.sources["b"] = {RateStep{0, 1000, 0}};
  OracleConfig config = OracleAt(w, {4000, 1000});
  EXPECT_EQ(config.demand[2], 3000);
  EXPECT_EQ(config.demand[3], 1500);
  EXPECT_EQ(config.parallelism[2], 4);  // 3300 needs 4 x 1000.
}

TEST(OracleSchedule, SegmentsFollowTheTrace) {
  Workload w = Chain(4000);
  w.duration_s = 200;
  w.sources["source"] = {RateStep{0, 4000, 0}, RateStep{100, 9100, 0}};
  absl::StatusOr<OracleSchedule> schedule = OracleSchedule::Compute(w);
  ASSERT_TRUE(schedule.ok()) << schedule.status();
  ASSERT_EQ(schedule->segments().size(), 2u);
  EXPECT_EQ(schedule->segments()[0].first_s, 1);
  EXPECT_EQ(schedule->segments()[0].last_s, 99);
  EXPECT_EQ(schedule->segments()[1].first_s, 100);
  EXPECT_EQ(schedule->segments()[1].last_s, 200);
  EXPECT_EQ(schedule->At(50).parallelism, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(schedule->At(100).parallelism, (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(schedule->changes(), 1);
  EXPECT_DOUBLE_EQ(schedule->AverageTotalParallelism(), (99 * 3 + 101 * 6) / 200.0);
}

TEST(OracleSchedule, MergesRateChangesWithTheSameConfiguration) {
  Workload w = Chain(4000);
  w.duration_s = 300;
  w.sources["source"] = {RateStep{0, 1000, 0}, RateStep{100, 2000, 0},
                         RateStep{200, 9100, 0}};
  absl::StatusOr<OracleSchedule> schedule = OracleSchedule::Compute(w);
  ASSERT_TRUE(schedule.ok());
  ASSERT_EQ(schedule->segments().size(), 2u);
  EXPECT_EQ(schedule->segments()[0].last_s, 199);
}

TEST(OracleSchedule, RampsAreFollowedSecondBySecond) {
  Workload w = Chain(1000);
  w.duration_s = 400;
  w.sources["source"] = {RateStep{0, 1000, 0}, RateStep{100, 30000, 200}};
  w.operators[0].capacity = 1e6;
  absl::StatusOr<OracleSchedule> schedule = OracleSchedule::Compute(w);
  ASSERT_TRUE(schedule.ok());
  absl::StatusOr<Topology> topology = Topology::Build(w);
  ASSERT_TRUE(topology.ok());
  for (int t = 1; t <= w.duration_s; ++t) {
    const OracleConfig expected =
        OracleFor(*topology, w, {TargetRate(w.sources["source"], t)});
    EXPECT_EQ(schedule->At(t).parallelism, expected.parallelism) << t;
  }
  // The map needs 1..7 instances on the way up: it changes on the ramp.
  EXPECT_GE(schedule->changes(), 6);
}

}  // namespace
}  // namespace streamtune::sim
