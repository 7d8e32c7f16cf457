// A small one-dimensional Gaussian-process regressor: RBF kernel plus a
// noise term, zero prior mean, dense Cholesky solve. ContTune uses it as the
// surrogate from an operator's parallelism to its processing ability; it is
// meant for tens of points (O(n^3) per fit).
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_GAUSSIAN_PROCESS_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_GAUSSIAN_PROCESS_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace streamtune {

// Kernel k(x, x') = s² · exp(−(x − x')² / (2 l²)) + s² · r · [x = x'], with
// signal sd s, length scale l and noise ratio r (noise variance / signal
// variance). The prior mean is 0, as in ContTune's GP (ljqcodelove/ContTune,
// code/GPofContTune.py): far from every observation the prediction falls back
// to 0 with the prior's sd, so the surrogate never extrapolates optimism.
//
// Hyperparameters are chosen by type-II maximum likelihood (the paper's
// artifact maximises the log marginal likelihood over l and s with
// L-BFGS-B): l and r over the grids below, s in closed form for each (the
// likelihood's maximiser s² = yᵀ(R + rI)⁻¹y / n, R the correlation matrix).
struct GaussianProcessOptions {
  // Candidate length scales, in units of x (parallelism).
  std::vector<double> length_scales = {0.5, 0.75, 1, 1.5, 2,  2.5, 3,  4,
                                       5,   6,    8, 12,  16, 24,  32, 64};
  // Candidate noise ratios. The smallest doubles as jitter: duplicate or
  // nearly equal x stay factorisable. 2% relative metric noise on y is a
  // ratio of about 4e-4.
  std::vector<double> noise_ratios = {1e-6, 1e-4, 1e-3, 1e-2};
  // Kept when the likelihood cannot tell length scales apart (a single
  // point, or identical fits); 2.5 is the artifact's starting value, which
  // its optimiser keeps when the gradient vanishes.
  double default_length_scale = 2.5;
  // Fixes the signal sd instead of estimating it (tests, hand computation).
  std::optional<double> signal_sd;
};

// Immutable after Fit; safe to share between threads.
class GaussianProcess {
 public:
  struct Prediction {
    double mean = 0;
    // Sd of the latent function (observation noise excluded).
    double sd = 0;
  };

  // INVALID_ARGUMENT when xs and ys differ in size, are empty, hold a
  // non-finite value, or the grids are empty or hold non-positive values.
  // FAILED_PRECONDITION if no kernel matrix could be factorised even with
  // added jitter.
  static absl::StatusOr<GaussianProcess> Fit(
      absl::Span<const double> xs, absl::Span<const double> ys,
      const GaussianProcessOptions& options = {});

  Prediction Predict(double x) const;

  double length_scale() const { return length_scale_; }
  double signal_sd() const { return signal_sd_; }
  double noise_ratio() const { return noise_ratio_; }
  double log_marginal_likelihood() const { return log_likelihood_; }

 private:
  GaussianProcess() = default;

  std::vector<double> xs_;
  // (R + rI)⁻¹ y, where R + rI = L Lᵀ.
  std::vector<double> weights_;
  // Row-major lower-triangular Cholesky factor L (n × n).
  std::vector<double> chol_;
  double length_scale_ = 0;
  double signal_sd_ = 0;
  double noise_ratio_ = 0;
  double log_likelihood_ = 0;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_GAUSSIAN_PROCESS_H_
