#include "server/core/policies/conttune/gaussian_process.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

// Fixed hyperparameters, so predictions can be computed by hand.
GaussianProcessOptions Fixed(double length_scale, double signal_sd) {
  GaussianProcessOptions options;
  options.length_scales = {length_scale};
  options.default_length_scale = length_scale;
  options.noise_ratios = {1e-9};
  options.signal_sd = signal_sd;
  return options;
}

TEST(GaussianProcess, MatchesAHandComputedPosterior) {
  // x = {0, 2}, y = {2, 4}, l = 2: correlation between the points
  // ρ = exp(−4/8) = 0.60653, with x = 1: κ = exp(−1/8) = 0.88250 to both.
  // μ(1) = κ·(y1 + y2)/(1 + ρ) = 0.88250 · 6 / 1.60653 = 3.29591;
  // σ(1) = s·sqrt(1 − 2κ²/(1 + ρ)) = sqrt(1 − 0.96954) = 0.17452 for s = 1.
  auto gp = GaussianProcess::Fit({0, 2}, {2, 4}, Fixed(2, 1));
  ASSERT_TRUE(gp.ok()) << gp.status();
  EXPECT_NEAR(gp->Predict(1).mean, 3.29591, 1e-4);
  EXPECT_NEAR(gp->Predict(1).sd, 0.17452, 1e-4);
}

TEST(GaussianProcess, InterpolatesTrainingPoints) {
  const std::vector<double> xs = {1, 2, 4, 7};
  const std::vector<double> ys = {1000, 1900, 3500, 5200};
  auto gp = GaussianProcess::Fit(xs, ys);
  ASSERT_TRUE(gp.ok()) << gp.status();
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(gp->Predict(xs[i]).mean, ys[i], 0.01 * ys[i]) << "x = " << xs[i];
    EXPECT_LT(gp->Predict(xs[i]).sd, 0.02 * ys[i]) << "x = " << xs[i];
  }
}

TEST(GaussianProcess, RevertsToThePriorFarFromData) {
  auto gp = GaussianProcess::Fit({1, 2, 3}, {1000, 2000, 3000});
  ASSERT_TRUE(gp.ok()) << gp.status();
  const GaussianProcess::Prediction far = gp->Predict(1000);
  EXPECT_NEAR(far.mean, 0, 1e-6);
  EXPECT_NEAR(far.sd, gp->signal_sd(), 1e-6 * gp->signal_sd());
}

TEST(GaussianProcess, SdGrowsAwayFromData) {
  auto gp = GaussianProcess::Fit({2, 3, 4}, {2000, 3000, 4000});
  ASSERT_TRUE(gp.ok()) << gp.status();
  double last = gp->Predict(4).sd;
  for (double x : {5.0, 6.0, 8.0, 12.0, 30.0}) {
    const double sd = gp->Predict(x).sd;
    EXPECT_GT(sd, last) << "x = " << x;
    last = sd;
  }
}

TEST(GaussianProcess, AveragesDuplicateXThroughTheNoiseTerm) {
  auto gp = GaussianProcess::Fit({2, 2, 4}, {100, 110, 200});
  ASSERT_TRUE(gp.ok()) << gp.status();
  EXPECT_NEAR(gp->Predict(2).mean, 105, 1);
}

TEST(GaussianProcess, AddsJitterWhenNoNoiseIsAllowed) {
  GaussianProcessOptions options;
  options.noise_ratios = {0};
  auto gp = GaussianProcess::Fit({3, 3, 3}, {500, 500, 500}, options);
  ASSERT_TRUE(gp.ok()) << gp.status();
  EXPECT_GT(gp->noise_ratio(), 0);
  EXPECT_NEAR(gp->Predict(3).mean, 500, 1);
}

TEST(GaussianProcess, PicksTheMostLikelyLengthScale) {
  // y = 1000·x at x = {2, 4}: with negligible noise the profiled likelihood
  // is ½·log(1 − ρ²) − log(5 − 4ρ) + const, maximal at ρ = 0.8, i.e.
  // l = 2 / sqrt(2·ln 1.25) = 2.99: the grid's 3.
  auto gp = GaussianProcess::Fit({2, 4}, {2000, 4000});
  ASSERT_TRUE(gp.ok()) << gp.status();
  EXPECT_DOUBLE_EQ(gp->length_scale(), 3);
}

TEST(GaussianProcess, KeepsTheDefaultLengthScaleForOnePoint) {
  // One point: the likelihood does not depend on l.
  auto gp = GaussianProcess::Fit({4}, {4000});
  ASSERT_TRUE(gp.ok()) << gp.status();
  EXPECT_DOUBLE_EQ(gp->length_scale(), 2.5);
  EXPECT_NEAR(gp->Predict(4).mean, 4000, 1);
}

TEST(GaussianProcess, RejectsBadInput) {
  EXPECT_EQ(GaussianProcess::Fit({}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianProcess::Fit({1, 2}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  GaussianProcessOptions options;
  options.length_scales = {0};
  EXPECT_EQ(GaussianProcess::Fit({1}, {1}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune
