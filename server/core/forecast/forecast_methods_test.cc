#include "server/core/forecast/forecast_methods.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(RegulariseTest, MedianSpacingAndGapsFilledByTheIntervalThatHoldsThem) {
  // Every 60 s, except a restart that lost the point at -120: the point at
  // -60 is the mean over (-180, -60], which holds -120.
  const std::vector<TimedRate> series = {
      {-240, 100}, {-180, 130}, {-60, 190}, {0, 200}};
  const RegularSeries grid = Regularise(series, 100);
  EXPECT_DOUBLE_EQ(grid.step_s, 60);
  EXPECT_EQ(grid.values, (std::vector<double>{100, 130, 190, 190, 200}));
  // Off-grid points (median gap 9 s): each step takes the time-weighted
  // mean of the intervals it overlaps; (-18, -9] is 7 s of the point at -11
  // and 2 s of the one at -9.
  const std::vector<double> off_grid =
      Regularise({{-20, 1}, {-11, 2}, {-9, 3}, {0, 4}}, 100).values;
  ASSERT_EQ(off_grid.size(), 3u);
  EXPECT_DOUBLE_EQ(off_grid[0], (7 * 1 + 2 * 2) / 9.0);
  EXPECT_DOUBLE_EQ(off_grid[1], (7 * 2 + 2 * 3) / 9.0);
  EXPECT_DOUBLE_EQ(off_grid[2], 4);
  // Bounded length keeps the newest points.
  EXPECT_EQ(Regularise(series, 2).values, (std::vector<double>{190, 200}));
  EXPECT_TRUE(Regularise({{0, 1}}, 10).values.empty());
}

TEST(RegulariseTest, SamplesTakenAFractionOfASecondEarlyAreKept) {
  // A rise sampled every ~11 s with the jitter of real Flink (a Flink
  // side-by-side run) and one restart gap: every sample shows on the grid,
  // none is replaced by a copy of its neighbour.
  const std::vector<TimedRate> series = {
      {-111.2, 759}, {-100.5, 658}, {-89.1, 620},  {-78.2, 600},  {-67.0, 643},
      {-55.9, 663},  {-44.8, 866},  {-22.1, 1146}, {-11.4, 1305}, {0, 1474}};
  const RegularSeries grid = Regularise(series, 100);
  ASSERT_EQ(grid.values.size(), 11u);
  // The restart gap (-44.8, -22.1] is held by the point after it.
  EXPECT_NEAR(grid.values[8], 1146, 1);
  // The point at -11.4 is no longer lost to the one at 0 (it was: the grid
  // time -11.1 lies just after it).
  EXPECT_NEAR(grid.values[9], 1305, 10);
  // Outside the gap no two neighbours are equal.
  for (size_t k = 1; k < grid.values.size(); ++k) {
    if (k != 8) {
      EXPECT_NE(grid.values[k], grid.values[k - 1]) << "k=" << k;
    }
  }
}

std::vector<double> Wave(int n, int period, double noise_phase = 0) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(1000 + 300 * std::sin(2 * M_PI * i / period) + 5 * i +
                10 * std::sin(i * 1.7 + noise_phase));
  }
  return v;
}

TEST(DetectPeriodTest, FindsTheCycleUnderATrend) {
  EXPECT_EQ(DetectPeriod(Wave(120, 24), 0.5), 24);
  EXPECT_EQ(DetectPeriod(Wave(120, 40), 0.5), 40);
}

TEST(DetectPeriodTest, NoCycleInARampOrTooShortASeries) {
  std::vector<double> ramp;
  for (int i = 0; i < 100; ++i) ramp.push_back(100 + i);
  EXPECT_EQ(DetectPeriod(ramp, 0.5), 0);
  // 60 points cannot show three periods of 24.
  EXPECT_EQ(DetectPeriod(Wave(60, 24), 0.5), 0);
}

TEST(DampedTrendMethodTest, HandComputedLine) {
  // 100, 110, 120, 130: slope 10, level 130. φ = 0.5: steps 0.5, 0.75.
  const std::vector<double> y = {100, 110, 120, 130};
  std::vector<double> out(2);
  DampedTrendMethod(4, 0.5).Forecast(y, 3, &out);
  EXPECT_DOUBLE_EQ(out[0], 135);
  EXPECT_DOUBLE_EQ(out[1], 137.5);
}

TEST(LatestLevelStartTest, FindsTheLastStepNotTheNoiseOrTheTrend) {
  // A noisy ramp has no level shift, nor has one whose changes alternate
  // (more than half of them equal: no median absolute deviation).
  std::vector<double> ramp;
  std::vector<double> alternating;
  for (int i = 0; i < 40; ++i) {
    ramp.push_back(1000 + 20 * i + 15 * std::sin(i * 1.7));
    alternating.push_back(1000 + 50 * i + (i % 2 ? 10 : -10));
  }
  EXPECT_EQ(LatestLevelStart(ramp, 16), 0);
  EXPECT_EQ(LatestLevelStart(alternating, 4), 0);
  EXPECT_EQ(LatestLevelStart(alternating, 16), 0);
  // A curving (accelerating) noise-free series has none either.
  std::vector<double> curve;
  for (int i = 0; i < 40; ++i) curve.push_back(1000 + 3.0 * i * i);
  EXPECT_EQ(LatestLevelStart(curve, 16), 0);
  // Two steps (600 -> 1600 through one point in between, measured over a
  // window that straddled it): the level holds from the second jump on.
  std::vector<double> steps = {600, 610, 590, 605, 598, 604, 593, 600, 611, 602};
  for (double v : {1100, 1600, 1590, 1610}) steps.push_back(v);
  EXPECT_EQ(LatestLevelStart(steps, 8), 5);
  // Even in a window of four.
  EXPECT_EQ(LatestLevelStart(steps, 4), 1);
  // A noisy start-up (a backlog drained while the job started) does not
  // hide a step at the end: real Flink, the 1600 -> 2400 rec/s step seen
  // half-way through a metrics window.
  std::vector<double> flink = {300, 900, 200, 1100, 500, 700};
  for (int i = 0; i < 8; ++i) flink.push_back(600 + 20 * std::sin(i * 2.1));
  for (int i = 0; i < 8; ++i) flink.push_back(1600 + 30 * std::sin(i * 1.3));
  flink.push_back(2199);
  EXPECT_EQ(LatestLevelStart(flink, 16), 15);
  // A flat series' rounding is no shift.
  EXPECT_EQ(LatestLevelStart({100, 100, 100.4, 100, 100}, 4), 0);
}

TEST(DampedTrendMethodTest, ASteppedWindowIsNotReadAsATrend) {
  // 600 for five points, then 1600 for three: the line through all eight
  // would end above 1600 and rise further; the level since the step is
  // 1600 and flat.
  const std::vector<double> y = {600, 600, 600, 600, 600, 1600, 1600, 1600};
  std::vector<double> out(4);
  DampedTrendMethod(8, 0.9).Forecast(y, 7, &out);
  for (double v : out) EXPECT_NEAR(v, 1600, 1e-9);
  // Only the values up to the origin are seen.
  DampedTrendMethod(4, 0.9).Forecast(y, 5, &out);
  for (double v : out) EXPECT_NEAR(v, 1600, 1e-9);
  // Too few points since the step for a line: the latest value is held.
  const std::vector<double> fresh = {600, 600, 600, 600, 600, 600, 1500, 1600};
  DampedTrendMethod(8, 0.9).Forecast(fresh, 7, &out);
  for (double v : out) EXPECT_DOUBLE_EQ(v, 1600);
  // A rise that continues after the step is followed at its own slope.
  const std::vector<double> rising = {600, 600, 600, 600, 1600, 1700, 1800, 1900};
  DampedTrendMethod(8, 0.5).Forecast(rising, 7, &out);
  EXPECT_NEAR(out[0], 1950, 1e-9);
}

TEST(CycleMethodTest, RepeatsThePeriodShiftedByTheDrift) {
  // Period 3; the last cycle is 10 above the one before.
  const std::vector<double> y = {1, 2, 3, 11, 12, 13};
  std::vector<double> out(4);
  CycleMethod(3, 60, 1).Forecast(y, 5, &out);
  EXPECT_EQ(out, (std::vector<double>{21, 22, 23, 21}));
}

TEST(PersistenceMethodTest, HoldsTheLastValue) {
  const std::vector<double> y = {5, 7};
  std::vector<double> out(3);
  PersistenceMethod().Forecast(y, 1, &out);
  EXPECT_EQ(out, (std::vector<double>{7, 7, 7}));
}

}  // namespace
}  // namespace streamtune
