#include "server/core/forecast/rate_forecaster.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

// One point a minute, the last at t = 0.
std::vector<TimedRate> Minutes(const std::vector<double>& values) {
  std::vector<TimedRate> out;
  const int n = static_cast<int>(values.size());
  for (int i = 0; i < n; ++i) out.push_back({60.0 * (i - n + 1), values[i]});
  return out;
}

TEST(ForecastRateTest, NothingFromOnePoint) {
  EXPECT_TRUE(ForecastRate(Minutes({100}), 600).empty());
}

TEST(ForecastRateTest, FlatSeriesIsPersistenceWithANarrowBand) {
  const RateForecast f = ForecastRate(Minutes(std::vector<double>(40, 500)), 300);
  ASSERT_EQ(f.median.size(), 5u);
  EXPECT_EQ(f.method, "persistence");
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_DOUBLE_EQ(f.median[k], 500);
    EXPECT_DOUBLE_EQ(f.upper[k], 500);
    EXPECT_DOUBLE_EQ(f.lower[k], 500);
  }
}

TEST(ForecastRateTest, FollowsARampBetterThanPersistence) {
  std::vector<double> ramp;
  for (int i = 0; i < 40; ++i) ramp.push_back(1000 + 50 * i + (i % 2 ? 10 : -10));
  const RateForecast f = ForecastRate(Minutes(ramp), 300);
  EXPECT_THAT(f.method, HasSubstr("trend"));
  EXPECT_LT(f.mape[0], f.persistence_mape[0]);
  EXPECT_GT(f.median[4], ramp.back());  // Keeps rising.
  EXPECT_GE(f.UpperAt(300), f.MedianAt(300));
  EXPECT_THAT(f.Describe(120), HasSubstr("vs persistence"));
}

TEST(ForecastRateTest, ARateStepIsANewLevelNotATrend) {
  // 600 rec/s, then a step to 1600 (one point measured across it), held
  // for six points: what the forecast sees after a step of the Flink
  // side-by-side profile (docs/benchmark.md).
  std::vector<double> steps;
  for (int i = 0; i < 20; ++i) steps.push_back(600 * (1 + 0.02 * std::sin(i * 2.1)));
  steps.push_back(1100);
  for (int i = 0; i < 6; ++i) steps.push_back(1600 * (1 + 0.02 * std::sin(i * 1.3)));
  const RateForecast f = ForecastRate(Minutes(steps), 600);
  for (size_t k = 0; k < f.median.size(); ++k) {
    EXPECT_NEAR(f.median[k], 1600, 80) << f.method << " at step " << k;
    EXPECT_LT(f.upper[k], 1600 * 1.25) << f.method << " at step " << k;
  }
}

TEST(ForecastRateTest, LearnsACycleOnceTheHistorySpansThree) {
  std::vector<double> daily;
  for (int i = 0; i < 120; ++i) {
    daily.push_back(1000 + 400 * std::sin(2 * M_PI * i / 24) + 15 * std::sin(i * 2.3));
  }
  const RateForecast f = ForecastRate(Minutes(daily), 24 * 60);
  EXPECT_EQ(f.method, "cycle of 1440 s");
  // A day later: one period on, the forecast at +6 steps is near the
  // cycle's value 6 steps into the next day.
  const double expected = 1000 + 400 * std::sin(2 * M_PI * (119 + 6) / 24);
  EXPECT_NEAR(f.MedianAt(360), expected, 60);
  EXPECT_LT(f.mape[5], f.persistence_mape[5]);
  for (size_t k = 0; k < f.median.size(); ++k) {
    EXPECT_LE(f.lower[k], f.median[k]);
    EXPECT_GE(f.upper[k], f.median[k]);
  }
}

TEST(ForecastRateTest, NoisierHistoryWidensTheBand) {
  std::vector<double> calm;
  std::vector<double> noisy;
  for (int i = 0; i < 60; ++i) {
    calm.push_back(1000 * (1 + 0.01 * std::sin(i * 2.1)));
    noisy.push_back(1000 * (1 + 0.10 * std::sin(i * 2.1)));
  }
  const double calm_width = ForecastRate(Minutes(calm), 120).UpperAt(120) / 1000;
  const double noisy_width = ForecastRate(Minutes(noisy), 120).UpperAt(120) / 1000;
  EXPECT_GT(noisy_width - 1, 3 * (calm_width - 1));
}

}  // namespace
}  // namespace streamtune
