#include "server/core/graph/rate_estimation.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

v1::StoredSnapshot Stored(const v1::Snapshot& s) {
  v1::StoredSnapshot stored;
  *stored.mutable_snapshot() = s;
  return stored;
}

TEST(ComparablePrevious, PicksTheLatestEarlierSnapshotOfTheSameRun) {
  const v1::Snapshot now = testing::ValidChain("c", 1000);  // 600 s since restart.
  const std::vector<v1::StoredSnapshot> history = {
      Stored(testing::ValidChain("a", 880)), Stored(testing::ValidChain("b", 940))};
  const v1::Snapshot* previous = ComparablePrevious(now, history);
  ASSERT_NE(previous, nullptr);
  EXPECT_EQ(previous->snapshot_id(), "b");
}

TEST(ComparablePrevious, IgnoresSnapshotsFromBeforeTheRestart) {
  v1::Snapshot now = testing::ValidChain("c", 1000);
  now.set_seconds_since_restart(30);
  const std::vector<v1::StoredSnapshot> history = {
      Stored(testing::ValidChain("b", 940))};
  EXPECT_EQ(ComparablePrevious(now, history), nullptr);
}

TEST(TrueProcessingRate, ExtrapolatesToFullBusyTime) {
  v1::Snapshot s = testing::ValidChain();
  EXPECT_THAT(*TrueProcessingRate(s.operators(1)), DoubleNear(2000, 1e-9));
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_avg(0);
  EXPECT_FALSE(TrueProcessingRate(s.operators(1)).has_value());
}

TEST(Selectivity, IsOutOverInAndZeroForIdleSinks) {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_records_out_per_s(250);
  EXPECT_DOUBLE_EQ(Selectivity(s.operators(1)), 0.25);
  s.mutable_operators(2)->mutable_metrics()->set_records_in_per_s(0);
  EXPECT_DOUBLE_EQ(Selectivity(s.operators(2)), 0.0);
}

TEST(TargetInputRates, AddsBacklogGrowthAndCatchUp) {
  v1::Snapshot before = testing::ValidChain("a", 940);
  v1::Snapshot now = testing::ValidChain("b", 1000);
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(6000);
  now.mutable_operators(1)->mutable_metrics()->set_records_out_per_s(500);
  // 1000 read + 6000/60 growth + 6000/300 catch-up = 1120; map halves it.
  const JobGraph graph(now);
  EXPECT_THAT(TargetInputRates(graph, &before, {}),
              ElementsAre(DoubleNear(1120, 1e-9), DoubleNear(1120, 1e-9),
                          DoubleNear(560, 1e-9)));
}

TEST(TargetInputRates, DrainingBacklogMeansArrivalBelowReadRate) {
  v1::Snapshot before = testing::ValidChain("a", 940);
  before.mutable_operators(0)->mutable_metrics()->set_pending_records(12000);
  v1::Snapshot now = testing::ValidChain("b", 1000);
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(6000);
  // 1000 read - 100 drained per second + 6000/300 = 920.
  const JobGraph graph(now);
  EXPECT_THAT(TargetInputRates(graph, &before, {})[0], DoubleNear(920, 1e-9));
}

}  // namespace
}  // namespace streamtune
