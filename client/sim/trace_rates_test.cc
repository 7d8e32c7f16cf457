#include "client/sim/trace_rates.h"

#include "client/sim/rate_scaling.h"
#include "client/sim/test_workloads.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

RateTrace ThreePoints() {
  RateTrace trace;
  trace.name = "three";
  trace.interval_s = 3600;
  trace.messages = {100, 200, 50};
  return trace;
}

TEST(TraceWindowSteps, OnePointPerMinuteReachedByAMinuteLongRamp) {
  absl::StatusOr<std::vector<RateStep>> steps = TraceWindowSteps(ThreePoints(), 0, 3);
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_THAT(*steps, ElementsAre(RateStep{0, 0.5, 0}, RateStep{60, 1, 60},
                                  RateStep{120, 0.25, 60}));
  // A later window is relative to its own peak, times the weight.
  steps = TraceWindowSteps(ThreePoints(), 1, 2, 0.5);
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_THAT(*steps, ElementsAre(RateStep{0, 0.5, 0}, RateStep{60, 0.125, 60}));
}

TEST(TraceWindowSteps, RejectsWindowsOutsideTheTraceAndEmptyWindows) {
  EXPECT_EQ(TraceWindowSteps(ThreePoints(), 1, 3).status().message(),
            "trace three: window of 3 points from 1 does not fit its 3 points (start "
            "must be in [0, 0])");
  EXPECT_FALSE(TraceWindowSteps(ThreePoints(), -1, 2).ok());
  EXPECT_FALSE(TraceWindowSteps(ThreePoints(), 0, 0).ok());
  EXPECT_THAT(TraceWindowSteps(ThreePoints(), 0, 2, 0).status().message(),
              HasSubstr("weight must be > 0"));
  RateTrace zeros = ThreePoints();
  zeros.messages = {0, 0, 5};
  EXPECT_THAT(TraceWindowSteps(zeros, 0, 2).status().message(),
              HasSubstr("has no rate above 0"));
}

// source (c=10000) -> map (c=5000, s=2) -> sink (c=100000), headroom 1.1.
// The map is the busiest: 4 instances sustain 20000, so the peak level 1
// becomes 20000 / 1.1 = 18181.8 records/s.
TEST(ApplyTraceFollows, ReplaysTheWindowScaledToThePeakParallelism) {
  Workload w = testing::Chain(1000);
  ASSERT_TRUE(
      ApplyTraceFollows({TraceFollow{"source", ThreePoints(), 0, 1}}, 3, &w).ok());
  EXPECT_EQ(w.duration_s, 180);
  const double scale = ScaleRates(ScaleTarget{4, 0}, &w);
  EXPECT_NEAR(scale, 20000 / 1.1, 1e-6);
  EXPECT_THAT(w.sources.at("source"),
              ElementsAre(RateStep{0, 9091, 0}, RateStep{60, 18182, 60},
                          RateStep{120, 4545, 60}));
  EXPECT_TRUE(ValidateWorkload(w).ok()) << ValidateWorkload(w);
  // The engine interpolates between points: halfway through the first ramp.
  EXPECT_DOUBLE_EQ(TargetRate(w.sources.at("source"), 90), (9091 + 18182) / 2.0);
  EXPECT_DOUBLE_EQ(TargetRate(w.sources.at("source"), 179),
                   18182 + (4545 - 18182) * 59 / 60.0);
}

TEST(ApplyTraceFollows, EverySourceFollowsExactlyOneTrace) {
  Workload w = testing::Chain(1000);
  EXPECT_EQ(
      ApplyTraceFollows({TraceFollow{"map", ThreePoints(), 0, 1}}, 3, &w).message(),
      "\"map\" is not a source of chain");
  EXPECT_EQ(ApplyTraceFollows({}, 3, &w).message(),
            "source \"source\" follows no trace");
  EXPECT_EQ(ApplyTraceFollows({TraceFollow{"source", ThreePoints(), 0, 1},
                               TraceFollow{"source", ThreePoints(), 1, 1}},
                              2, &w)
                .message(),
            "source \"source\" follows two traces");
  EXPECT_FALSE(
      ApplyTraceFollows({TraceFollow{"source", ThreePoints(), 2, 1}}, 3, &w).ok());
  EXPECT_EQ(w.sources.at("source"), (std::vector<RateStep>{{0, 1000, 0}}));
}

}  // namespace
}  // namespace streamtune::sim
