#include "server/model/metrics.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(RocAuc, PerfectReversedAndConstantScores) {
  const std::vector<int> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(RocAuc(std::vector<double>{0.1, 0.2, 0.8, 0.9}, labels), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc(std::vector<double>{0.9, 0.8, 0.2, 0.1}, labels), 0.0);
  EXPECT_DOUBLE_EQ(RocAuc(std::vector<double>{0.5, 0.5, 0.5, 0.5}, labels), 0.5);
}

TEST(RocAuc, CountsOrderedPairsByHand) {
  // Positives 0.35, 0.8; negatives 0.1, 0.4: 3 of the 4 pairs are ordered.
  EXPECT_DOUBLE_EQ(
      RocAuc(std::vector<double>{0.1, 0.4, 0.35, 0.8}, std::vector<int>{0, 0, 1, 1}),
      0.75);
}

TEST(RocAuc, TiesCountHalf) {
  // Positives 0.5, 0.9; negatives 0.5, 0.2: pairs 0.5, 1, 1, 1 -> 3.5 / 4.
  EXPECT_DOUBLE_EQ(
      RocAuc(std::vector<double>{0.5, 0.5, 0.2, 0.9}, std::vector<int>{1, 0, 0, 1}),
      0.875);
}

TEST(RocAuc, NaNWhenUndefined) {
  EXPECT_TRUE(
      std::isnan(RocAuc(std::vector<double>{0.1, 0.2}, std::vector<int>{1, 1})));
  EXPECT_TRUE(std::isnan(RocAuc(std::vector<double>{}, std::vector<int>{})));
  EXPECT_TRUE(std::isnan(RocAuc(std::vector<double>{0.1}, std::vector<int>{0, 1})));
  EXPECT_TRUE(
      std::isnan(RocAuc(std::vector<double>{0.1, 0.2}, std::vector<int>{0, 2})));
  EXPECT_TRUE(std::isnan(
      RocAuc(std::vector<double>{0.1, std::nan("")}, std::vector<int>{0, 1})));
}

TEST(BrierScore, IsTheMeanSquaredError) {
  // (0.1² + 0.2² + 0.5²) / 3 = 0.1.
  EXPECT_DOUBLE_EQ(
      BrierScore(std::vector<double>{0.9, 0.2, 0.5}, std::vector<int>{1, 0, 1}), 0.1);
  EXPECT_DOUBLE_EQ(BrierScore(std::vector<double>{1, 0}, std::vector<int>{1, 0}), 0);
  EXPECT_TRUE(std::isnan(BrierScore(std::vector<double>{}, std::vector<int>{})));
  EXPECT_TRUE(std::isnan(BrierScore(std::vector<double>{0.5}, std::vector<int>{-1})));
}

}  // namespace
}  // namespace streamtune
