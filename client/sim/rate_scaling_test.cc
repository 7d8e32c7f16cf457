#include "client/sim/rate_scaling.h"

#include "client/sim/test_workloads.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

// source (c=10000) -> map (c=5000, s=2) -> sink (c=100000) at rate 1,
// headroom 1 + 30/300 = 1.1; the map is the busiest operator.
TEST(ScaleRates, FindsTheLargestScaleForThePeakParallelism) {
  Workload w = testing::Chain(1);
  // 4 map instances sustain 20000 records/s: 20000 / 1.1 at the peak.
  EXPECT_NEAR(ScaleRates(ScaleTarget{4, 0}, &w), 20000 / 1.1, 1e-6);
  EXPECT_EQ(w.sources.at("source")[0].rate, 18182);
}

TEST(ScaleRates, BeyondFeasiblePutsThePeakPastWhatMaxParallelismSustains) {
  // The map sustains 128 · 5000 = 640000 at most; 640000 / 1.1 is the
  // feasible limit, so 1.1 beyond it is 640000 itself.
  Workload w = testing::Chain(1);
  EXPECT_NEAR(ScaleRates(ScaleTarget{4, 1.1}, &w), 640000, 1e-6);
  EXPECT_EQ(w.sources.at("source")[0].rate, 640000);
  // A target beyond the limit stops at 90% of it.
  w = testing::Chain(1);
  EXPECT_NEAR(ScaleRates(ScaleTarget{1000, 0}, &w), 0.9 * 640000 / 1.1, 1e-6);
  w.operators.clear();  // Invalid: nothing is touched.
  EXPECT_EQ(ScaleRates(ScaleTarget{4, 0}, &w), 0);
  EXPECT_EQ(w.sources.at("source")[0].rate, 523636);
}

}  // namespace
}  // namespace streamtune::sim
