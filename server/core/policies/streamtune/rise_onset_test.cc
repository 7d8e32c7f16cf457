#include "server/core/policies/streamtune/rise_onset.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The Flink harness's job, its aggregate as the map.
v1::Snapshot HarnessJob(const std::string& id, int64_t observed_s, double read,
                        double pending, double aggregate_busy) {
  return testing::RisingChain(id, observed_s, read, pending, read, aggregate_busy);
}

TEST(RiseOnsetTest, TheSaturationsTimeInTheWindowGivesTheNewRate) {
  // Real Flink, the step profile's 600 -> 1600 records/s (run 20, step 1):
  // the window read 866 with 4,097 records behind at its end, a mean
  // arrival of 1,236; the aggregate went from 725 ms/s busy to 900 on
  // average, so it saturated 36% into the window.
  const v1::Snapshot before = HarnessJob("s9", 1000, 600, 0, 725);
  const v1::Snapshot now = HarnessJob("s10", 1011, 866, 4097, 900);
  const RiseOnset onset = FindRiseOnset(JobGraph(now), &before);
  const double mean = 866 + 4097 / 11.0;
  EXPECT_NEAR(mean + onset.extra_arrival[0], 1600, 10);
  EXPECT_EQ(onset.extra_arrival[1], 0);  // Only sources get an extra.
  EXPECT_THAT(onset.why[0],
              HasSubstr("rise inside the window: 1603 rec/s after its first 36%"));
}

TEST(RiseOnsetTest, AWindowAtTheNewLevelThroughoutKeepsItsMean) {
  // The step on the window's boundary (as in the simulator): saturated
  // all along, so the mean is the new level.
  const v1::Snapshot before = HarnessJob("s9", 1000, 600, 0, 725);
  const v1::Snapshot now = HarnessJob("s10", 1011, 830, 8500, 1000);
  const RiseOnset onset = FindRiseOnset(JobGraph(now), &before);
  EXPECT_EQ(onset.extra_arrival[0], 0);
  EXPECT_THAT(onset.why[0], IsEmpty());
}

TEST(RiseOnsetTest, NothingWithoutANewBacklogOrWithAnOldBottleneck) {
  const v1::Snapshot before = HarnessJob("s9", 1000, 600, 0, 725);
  // Busier, but no backlog grew: it keeps up.
  const v1::Snapshot kept = HarnessJob("s10", 1011, 800, 12, 960);
  EXPECT_EQ(FindRiseOnset(JobGraph(kept), &before).extra_arrival[0], 0);
  // Saturated already before the window: its backlog is no new rise.
  const v1::Snapshot saturated = HarnessJob("s9", 1000, 826, 0, 990);
  const v1::Snapshot behind = HarnessJob("s10", 1011, 826, 4000, 995);
  EXPECT_EQ(FindRiseOnset(JobGraph(behind), &saturated).extra_arrival[0], 0);
  // The source itself saturated: the map only slowed down with it, and its
  // busy time (725 -> 800) dates nothing.
  v1::Snapshot source_bound = HarnessJob("s10", 1011, 660, 4000, 800);
  source_bound.mutable_operators(0)->mutable_metrics()->set_busy_ms_per_s_max(990);
  EXPECT_EQ(FindRiseOnset(JobGraph(source_bound), &before).extra_arrival[0], 0);
  // No comparable snapshot before.
  EXPECT_EQ(FindRiseOnset(JobGraph(behind), nullptr).extra_arrival[0], 0);
}

TEST(RiseOnsetTest, ARunsFirstWindowIsNoOldLevel) {
  // Timely at a constant 6000 events/s: the start-up window read less and
  // the next one fell behind, without any rise.
  v1::Snapshot first = HarnessJob("s1", 1000, 600, 0, 725);
  first.set_seconds_since_restart(15);  // Less than two 11-s windows in.
  v1::Snapshot second = HarnessJob("s2", 1011, 866, 4097, 900);
  second.set_seconds_since_restart(26);
  EXPECT_EQ(FindRiseOnset(JobGraph(second), &first).extra_arrival[0], 0);
  first.set_seconds_since_restart(22);  // A settled window: the rise counts.
  EXPECT_GT(FindRiseOnset(JobGraph(second), &first).extra_arrival[0], 300);
}

TEST(RiseOnsetTest, AnOnsetLateInTheWindowSaysTooLittle) {
  // Saturated in the last tenth: a few seconds, amplified tenfold.
  const v1::Snapshot before = HarnessJob("s9", 1000, 600, 0, 725);
  const v1::Snapshot now = HarnessJob("s10", 1011, 640, 1500, 752);
  EXPECT_EQ(FindRiseOnset(JobGraph(now), &before).extra_arrival[0], 0);
}

}  // namespace
}  // namespace streamtune
