#include "server/core/policies/streamtune/evidence.h"

#include <vector>

#include "gtest/gtest.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::ValidChain;

v1::StoredSnapshot Stored(const v1::Snapshot& s) {
  v1::StoredSnapshot stored;
  *stored.mutable_snapshot() = s;
  return stored;
}

TEST(ObservedRestartSecondsTest, MeasuresTheDowntimeBetweenASnapshotAndTheRestartEnd) {
  // t=1000 (decision), restart, t=1060 reports 25 s since restart: the job
  // was down 35 s. t=1120: 85 s since restart, no new restart.
  v1::Snapshot before = ValidChain("a", 1000);
  v1::Snapshot after = ValidChain("b", 1060);
  after.set_seconds_since_restart(25);
  v1::Snapshot now = ValidChain("c", 1120);
  now.set_seconds_since_restart(85);
  const std::vector<v1::StoredSnapshot> history = {Stored(before), Stored(after)};
  const JobGraph graph(now);
  const PolicyInput input{"t", graph, {}, history, {}, nullptr};
  const std::optional<double> restart = ObservedRestartSeconds(input);
  ASSERT_TRUE(restart.has_value());
  EXPECT_DOUBLE_EQ(*restart, 35);
}

TEST(ObservedRestartSecondsTest, UnknownWithoutARestart) {
  v1::Snapshot first = ValidChain("a", 1000);
  first.set_seconds_since_restart(600);
  v1::Snapshot now = ValidChain("b", 1060);
  now.set_seconds_since_restart(660);
  const std::vector<v1::StoredSnapshot> history = {Stored(first)};
  const JobGraph graph(now);
  const PolicyInput input{"t", graph, {}, history, {}, nullptr};
  EXPECT_FALSE(ObservedRestartSeconds(input).has_value());
}

TEST(FellBehindTest, OnlyProcessingClearlyLessThanTheDemandIsFallingBehind) {
  const v1::Snapshot s = ValidChain();  // map processes 1000 rec/s.
  EXPECT_TRUE(FellBehind(s.operators(1), 1200));
  EXPECT_FALSE(FellBehind(s.operators(1), 1000));
  EXPECT_FALSE(FellBehind(s.operators(1), 1020));  // Within metric noise.
  EXPECT_FALSE(FellBehind(s.operators(1), 800));   // A backlog drains.
}

}  // namespace
}  // namespace streamtune
