#include "bench/forecast/forecast_accuracy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

using ::testing::HasSubstr;

sim::Workload Ramp() {
  sim::Workload w;
  w.name = "ramp";
  w.duration_s = 3600;
  w.noise_sd = 0;
  w.decision_interval_s = 60;
  w.restart_downtime_s = 30;
  // 1000 rec/s rising linearly to 7000 over the hour.
  w.sources["src"] = {{0, 1000, 0}, {0, 7000, 3600}};
  return w;
}

TEST(ForecastAccuracyTest, BeatsPersistenceOnARamp) {
  const std::vector<SourceAccuracy> rows = MeasureForecastAccuracy(Ramp(), {});
  ASSERT_EQ(rows.size(), 1u);
  // Lead for a 30 s restart at 85%: 30 + 170 = 200 s, rounded to 240 s.
  EXPECT_DOUBLE_EQ(rows[0].horizon_s, 240);
  EXPECT_GT(rows[0].forecasts, 40);
  EXPECT_LT(rows[0].mape, 0.5 * rows[0].persistence_mape);
  EXPECT_GT(rows[0].band_coverage, 0.8);
  EXPECT_THAT(AccuracyTable(rows), HasSubstr("| ramp | src | 240 |"));
}

TEST(ForecastAccuracyTest, FlatRateIsExact) {
  sim::Workload w = Ramp();
  w.sources["src"] = {{0, 500, 0}};
  const std::vector<SourceAccuracy> rows = MeasureForecastAccuracy(w, {});
  EXPECT_DOUBLE_EQ(rows[0].mape, 0);
  EXPECT_DOUBLE_EQ(rows[0].persistence_mape, 0);
  EXPECT_DOUBLE_EQ(rows[0].band_coverage, 1);
}

}  // namespace
}  // namespace streamtune::bench
