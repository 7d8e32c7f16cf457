#include "server/core/policies/conttune/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/status/status.h"

namespace streamtune {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;
// Extra diagonal added, in factors of ten from kFirstJitter, when a kernel
// matrix is numerically singular (only possible with a zero noise ratio).
constexpr double kFirstJitter = 1e-10;
constexpr double kMaxJitter = 1e-2;
// Keeps the estimated signal variance positive when every y is 0.
constexpr double kMinSignalVariance = 1e-12;

double Correlation(double a, double b, double length_scale) {
  const double d = (a - b) / length_scale;
  return std::exp(-0.5 * d * d);
}

// In-place lower Cholesky factor of the row-major symmetric n × n matrix;
// false when it is not numerically positive definite.
bool Cholesky(int n, std::vector<double>* a) {
  std::vector<double>& m = *a;
  for (int j = 0; j < n; ++j) {
    double diag = m[j * n + j];
    for (int k = 0; k < j; ++k) diag -= m[j * n + k] * m[j * n + k];
    if (!(diag > 0)) return false;
    m[j * n + j] = std::sqrt(diag);
    for (int i = j + 1; i < n; ++i) {
      double sum = m[i * n + j];
      for (int k = 0; k < j; ++k) sum -= m[i * n + k] * m[j * n + k];
      m[i * n + j] = sum / m[j * n + j];
    }
    for (int k = j + 1; k < n; ++k) m[j * n + k] = 0;
  }
  return true;
}

// Solves L z = b in place.
void ForwardSolve(int n, const std::vector<double>& chol, std::vector<double>* b) {
  for (int i = 0; i < n; ++i) {
    double sum = (*b)[i];
    for (int k = 0; k < i; ++k) sum -= chol[i * n + k] * (*b)[k];
    (*b)[i] = sum / chol[i * n + i];
  }
}

// Solves Lᵀ x = z in place.
void BackwardSolve(int n, const std::vector<double>& chol, std::vector<double>* z) {
  for (int i = n - 1; i >= 0; --i) {
    double sum = (*z)[i];
    for (int k = i + 1; k < n; ++k) sum -= chol[k * n + i] * (*z)[k];
    (*z)[i] = sum / chol[i * n + i];
  }
}

struct Fitted {
  std::vector<double> chol;
  std::vector<double> weights;
  double noise_ratio = 0;
  double signal_variance = 0;
  double log_likelihood = 0;
};

// Factorises R + rI (adding jitter if needed) and evaluates the likelihood.
std::optional<Fitted> FitOne(absl::Span<const double> xs, absl::Span<const double> ys,
                             double length_scale, double noise_ratio,
                             std::optional<double> signal_sd) {
  const int n = static_cast<int>(xs.size());
  for (double extra = 0; extra <= kMaxJitter;
       extra = extra == 0 ? kFirstJitter : extra * 10) {
    Fitted fit;
    fit.chol.assign(static_cast<size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j <= i; ++j) {
        fit.chol[i * n + j] = Correlation(xs[i], xs[j], length_scale);
      }
      fit.chol[i * n + i] += noise_ratio + extra;
    }
    if (!Cholesky(n, &fit.chol)) continue;
    fit.noise_ratio = noise_ratio + extra;
    std::vector<double> z(ys.begin(), ys.end());
    ForwardSolve(n, fit.chol, &z);
    double quad = 0;
    double log_det = 0;
    for (int i = 0; i < n; ++i) {
      quad += z[i] * z[i];
      log_det += 2 * std::log(fit.chol[i * n + i]);
    }
    fit.signal_variance = signal_sd.has_value()
                              ? *signal_sd * *signal_sd
                              : std::max(quad / n, kMinSignalVariance);
    fit.log_likelihood = -0.5 * quad / fit.signal_variance - 0.5 * log_det -
                         0.5 * n * std::log(fit.signal_variance) - 0.5 * n * kLog2Pi;
    BackwardSolve(n, fit.chol, &z);
    fit.weights = std::move(z);
    return fit;
  }
  return std::nullopt;
}

absl::Status Validate(absl::Span<const double> xs, absl::Span<const double> ys,
                      const GaussianProcessOptions& options) {
  if (xs.empty() || xs.size() != ys.size()) {
    return absl::InvalidArgumentError(
        "gaussian process: need as many y as x, at least one");
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      return absl::InvalidArgumentError("gaussian process: non-finite observation");
    }
  }
  bool ok = options.default_length_scale > 0 && !options.length_scales.empty() &&
            !options.noise_ratios.empty();
  for (double l : options.length_scales) ok = ok && l > 0;
  for (double r : options.noise_ratios) ok = ok && r >= 0;
  if (options.signal_sd.has_value()) ok = ok && *options.signal_sd > 0;
  if (!ok)
    return absl::InvalidArgumentError("gaussian process: bad hyperparameter grid");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GaussianProcess> GaussianProcess::Fit(
    absl::Span<const double> xs, absl::Span<const double> ys,
    const GaussianProcessOptions& options) {
  if (absl::Status valid = Validate(xs, ys, options); !valid.ok()) return valid;
  // The default goes first and is replaced only by a strictly better fit.
  std::vector<double> scales = {options.default_length_scale};
  scales.insert(scales.end(), options.length_scales.begin(),
                options.length_scales.end());
  std::optional<Fitted> best;
  GaussianProcess gp;
  for (double l : scales) {
    for (double r : options.noise_ratios) {
      std::optional<Fitted> fit = FitOne(xs, ys, l, r, options.signal_sd);
      if (!fit.has_value()) continue;
      if (best.has_value() && !(fit->log_likelihood > best->log_likelihood + 1e-9)) {
        continue;
      }
      best = std::move(fit);
      gp.length_scale_ = l;
    }
  }
  if (!best.has_value()) {
    return absl::FailedPreconditionError(
        "gaussian process: kernel matrix not positive definite even with jitter");
  }
  gp.xs_.assign(xs.begin(), xs.end());
  gp.weights_ = std::move(best->weights);
  gp.chol_ = std::move(best->chol);
  gp.signal_sd_ = std::sqrt(best->signal_variance);
  gp.noise_ratio_ = best->noise_ratio;
  gp.log_likelihood_ = best->log_likelihood;
  return gp;
}

GaussianProcess::Prediction GaussianProcess::Predict(double x) const {
  const int n = static_cast<int>(xs_.size());
  std::vector<double> k(n);
  Prediction p;
  for (int i = 0; i < n; ++i) {
    k[i] = Correlation(x, xs_[i], length_scale_);
    p.mean += k[i] * weights_[i];
  }
  ForwardSolve(n, chol_, &k);
  double explained = 0;
  for (double v : k) explained += v * v;
  p.sd = signal_sd_ * std::sqrt(std::max(0.0, 1 - explained));
  return p;
}

}  // namespace streamtune
