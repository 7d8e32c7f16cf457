#include "client/sim/capacity_model.h"

#include <optional>

#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

TEST(CapacityModel, LinearWithoutContentionOrHotKey) {
  const CapacityModel model(1000, 0, 0, /*hash_input=*/false);
  EXPECT_DOUBLE_EQ(model.PerInstance(4), 1000);
  EXPECT_DOUBLE_EQ(model.Share(4), 0.25);
  EXPECT_DOUBLE_EQ(model.Sustainable(1), 1000);
  EXPECT_DOUBLE_EQ(model.Sustainable(4), 4000);
  EXPECT_EQ(model.ArgMaxSustainable(128), 128);
}

TEST(CapacityModel, ContentionSlowsEveryInstance) {
  const CapacityModel model(1000, 0.1, 0, false);
  // c / (1 + 0.1 * 2) = 833.33; C = 833.33 * 3.
  EXPECT_DOUBLE_EQ(model.PerInstance(3), 1000 / 1.2);
  EXPECT_DOUBLE_EQ(model.Sustainable(3), 2500);
}

TEST(CapacityModel, HotKeyOnlyBehindHashEdge) {
  const CapacityModel hashed(1000, 0, 0.1, /*hash_input=*/true);
  const CapacityModel rebalanced(1000, 0, 0.1, /*hash_input=*/false);
  EXPECT_DOUBLE_EQ(hashed.Share(4), 0.1 + 0.9 / 4);
  EXPECT_DOUBLE_EQ(hashed.Sustainable(4), 1000 / 0.325);
  EXPECT_DOUBLE_EQ(rebalanced.Share(4), 0.25);
  EXPECT_DOUBLE_EQ(rebalanced.Sustainable(4), 4000);
  // A hot key caps C below c/h however many instances there are.
  EXPECT_LT(hashed.Sustainable(32768), 1000 / 0.1);
  // Hash without a hot key is 1/p.
  EXPECT_DOUBLE_EQ(CapacityModel(1000, 0, 0, true).Share(8), 0.125);
}

TEST(CapacityModel, ContentionAndHotKeyGiveAPeak) {
  // D(p) = (1 + 0.1(p-1)) (0.1 + 0.9/p) is smallest at p = 9 (0.36).
  const CapacityModel model(1000, 0.1, 0.1, true);
  EXPECT_DOUBLE_EQ(model.Sustainable(9), 1000 / 0.36);
  EXPECT_LT(model.Sustainable(10), model.Sustainable(9));
  EXPECT_LT(model.Sustainable(8), model.Sustainable(9));
  EXPECT_EQ(model.ArgMaxSustainable(128), 9);
  EXPECT_EQ(model.ArgMaxSustainable(5), 5);
}

TEST(CapacityModel, ArgMaxTakesSmallestOfTies) {
  // σ = 1 without hash: C(p) = c·p / p = c for every p.
  EXPECT_EQ(CapacityModel(1000, 1, 0, false).ArgMaxSustainable(64), 1);
  EXPECT_EQ(CapacityModel(1000, 2, 0, false).ArgMaxSustainable(64), 1);
}

TEST(CapacityModel, SmallestSufficient) {
  const CapacityModel model(1000, 0, 0, false);
  EXPECT_EQ(model.SmallestSufficient(0, 128), 1);
  EXPECT_EQ(model.SmallestSufficient(1000, 128), 1);
  EXPECT_EQ(model.SmallestSufficient(3500, 128), 4);
  EXPECT_EQ(model.SmallestSufficient(4000, 128), 4);
  EXPECT_EQ(model.SmallestSufficient(4000.001, 128), 5);
  EXPECT_EQ(model.SmallestSufficient(128000, 128), 128);
  EXPECT_EQ(model.SmallestSufficient(128000.5, 128), std::nullopt);
}

TEST(CapacityModel, SmallestSufficientMatchesLinearScan) {
  for (double sigma : {0.0, 0.01, 0.05, 0.2, 1.5}) {
    for (double h : {0.0, 0.01, 0.1, 0.5}) {
      for (bool hash : {false, true}) {
        const CapacityModel model(1234, sigma, h, hash);
        const int max_p = 200;
        const int arg_max = model.ArgMaxSustainable(max_p);
        for (double rate = 0; rate < 50000; rate += 173) {
          std::optional<int> expected;
          for (int p = 1; p <= max_p && !expected; ++p) {
            if (model.Sustainable(p) >= rate) expected = p;
          }
          EXPECT_EQ(model.SmallestSufficient(rate, arg_max), expected)
              << "sigma=" << sigma << " h=" << h << " hash=" << hash
              << " rate=" << rate;
        }
      }
    }
  }
}

TEST(CapacityModel, BusyTimes) {
  const CapacityModel model(1000, 0.1, 0.1, true);
  // max: 2000 * 0.325 * 1.3 / 1000 = 0.845; avg: 2000 * 1.3 / 4000 = 0.65.
  EXPECT_DOUBLE_EQ(model.BusyMaxMs(2000, 4), 845);
  EXPECT_DOUBLE_EQ(model.BusyAvgMs(2000, 4), 650);
  EXPECT_DOUBLE_EQ(model.BusyMaxMs(5000, 4), 1000);
  EXPECT_DOUBLE_EQ(model.BusyAvgMs(50000, 4), 1000);
  EXPECT_DOUBLE_EQ(model.BusyMaxMs(0, 4), 0);
}

}  // namespace
}  // namespace streamtune::sim
