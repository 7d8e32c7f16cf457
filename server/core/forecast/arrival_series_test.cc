#include "server/core/forecast/arrival_series.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::streamtune::testing::ValidChain;

v1::StoredSnapshot Stored(const v1::Snapshot& s) {
  v1::StoredSnapshot stored;
  *stored.mutable_snapshot() = s;
  return stored;
}

v1::Snapshot ChainAt(const std::string& id, int64_t observed_s, double read,
                     double pending, double since_restart = 600) {
  v1::Snapshot s = ValidChain(id, observed_s);
  s.set_seconds_since_restart(since_restart);
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->set_records_in_per_s(read);
  m->set_pending_records(pending);
  return s;
}

TEST(SourceArrivalSeriesTest, ReadPlusBacklogGrowthAgainstThePreviousSnapshot) {
  const std::vector<v1::StoredSnapshot> history = {Stored(ChainAt("a", 940, 1000, 0))};
  const v1::Snapshot now = ChainAt("b", 1000, 1000, 600);
  const JobGraph graph(now);
  const auto series = SourceArrivalSeries(graph, history);
  ASSERT_EQ(series[0].size(), 2u);
  EXPECT_DOUBLE_EQ(series[0][0].t_s, -60);
  EXPECT_DOUBLE_EQ(series[0][0].rate, 1000);  // No backlog: read = arrival.
  EXPECT_DOUBLE_EQ(series[0][1].t_s, 0);
  EXPECT_DOUBLE_EQ(series[0][1].rate, 1000 + 600.0 / 60);
  EXPECT_TRUE(series[1].empty());  // Not a source.
  EXPECT_TRUE(series[2].empty());
}

TEST(SourceArrivalSeriesTest, SkipsStabilisingAndUnknownGrowth) {
  // "a" is from an earlier run (restart 100 s before "c"), "b" stabilising.
  const std::vector<v1::StoredSnapshot> history = {
      Stored(ChainAt("a", 800, 900, 0)), Stored(ChainAt("b", 940, 5000, 50, 40))};
  // "c" has a backlog and its predecessor is in the same run: counts.
  const v1::Snapshot now = ChainAt("c", 1000, 1200, 110, 100);
  const auto series = SourceArrivalSeries(JobGraph(now), history);
  ASSERT_EQ(series[0].size(), 2u);
  EXPECT_DOUBLE_EQ(series[0][0].rate, 900);
  EXPECT_DOUBLE_EQ(series[0][1].rate, 1200 + 60.0 / 60);

  // Without the same-run predecessor a backlog makes the growth unknown.
  const auto alone = SourceArrivalSeries(JobGraph(now), {});
  EXPECT_TRUE(alone[0].empty());
}

// Timely q5 at 3000 events/s (issue 15): the first window after a restart
// read 4,295 rec/s with nothing pending at its end, the downtime's backlog
// drained besides what arrived. It is no arrival point; the run's next
// window, against it, is.
TEST(SourceArrivalSeriesTest, TheFirstWindowAfterARestartIsNoArrivalPoint) {
  auto window = [](v1::Snapshot s) {
    s.set_window_s(2);
    return s;
  };
  const std::vector<v1::StoredSnapshot> history = {
      Stored(window(ChainAt("a", 996, 3000, 0))),
      Stored(window(ChainAt("b", 999, 4295, 0, 2)))};
  const v1::Snapshot now = window(ChainAt("c", 1001, 2997, 2, 4));
  const auto series = SourceArrivalSeries(JobGraph(now), history);
  ASSERT_EQ(series[0].size(), 2u);
  EXPECT_DOUBLE_EQ(series[0][0].rate, 3000);
  EXPECT_DOUBLE_EQ(series[0][1].rate, 2997 + 2.0 / 2);
}

TEST(SourceArrivalSeriesTest, IgnoresTheCurrentSnapshotInHistory) {
  const v1::Snapshot now = ChainAt("b", 1000, 1000, 0);
  const std::vector<v1::StoredSnapshot> history = {Stored(ChainAt("a", 940, 800, 0)),
                                                   Stored(now)};
  const auto series = SourceArrivalSeries(JobGraph(now), history);
  ASSERT_EQ(series[0].size(), 2u);
  EXPECT_DOUBLE_EQ(series[0][0].rate, 800);
}

}  // namespace
}  // namespace streamtune
