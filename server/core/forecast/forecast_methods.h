// The building blocks of the rate forecaster (docs/algorithm.md §3.8): a
// series put on a regular time grid, the period of a cycle found by
// autocorrelation, and the candidate methods, each forecasting the grid's
// future from a prefix of it. Pure functions: thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_FORECAST_FORECAST_METHODS_H_
#define STREAMTUNE_SERVER_CORE_FORECAST_FORECAST_METHODS_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/forecast/arrival_series.h"

namespace streamtune {

// A series resampled every `step_s` seconds; values.back() is at the last
// observation's time. Gaps (a restart, a lost snapshot) are bridged
// linearly.
struct RegularSeries {
  double step_s = 0;
  std::vector<double> values;
};

// The least-squares line through (i, values[i]), i = 0..n-1 (n > 0).
struct Line {
  double intercept = 0;
  double slope = 0;
  double At(double i) const { return intercept + slope * i; }
};
Line FitLine(absl::Span<const double> values);

// `series` (times increasing) on a grid spaced by the median gap between
// its points, ending at its last point; at most `max_points` long. Empty
// values when `series` has fewer than two points.
RegularSeries Regularise(absl::Span<const TimedRate> series, int max_points);

// The period in grid steps of the strongest cycle of `values`: the lag
// after the autocorrelation's first dip below zero where the
// autocorrelation of the linearly detrended series is highest, when that
// is at least `min_correlation` and the series spans three periods (two to
// see the cycle, one more to backtest it on: measured, with two a few rate
// steps that happened to recur passed for a cycle); else 0.
int DetectPeriod(absl::Span<const double> values, double min_correlation);

// One way to forecast. `Forecast` sees values[0..origin] only and fills
// `out[h - 1]` for h = 1..out->size(): the value expected at origin + h.
class ForecastMethod {
 public:
  virtual ~ForecastMethod() = default;
  virtual std::string Name() const = 0;
  // The earliest origin the method can forecast from.
  virtual int FirstOrigin() const = 0;
  virtual void Forecast(absl::Span<const double> values, int origin,
                        std::vector<double>* out) const = 0;
};

// The last value, held (the baseline every other method must beat).
class PersistenceMethod : public ForecastMethod {
 public:
  std::string Name() const override { return "persistence"; }
  int FirstOrigin() const override { return 0; }
  void Forecast(absl::Span<const double> values, int origin,
                std::vector<double>* out) const override;
};

// A least-squares line over the last `window` values, extrapolated with a
// damped slope (φ^1 + ... + φ^h steps of it), so a trend is followed but
// never projected without bound.
class DampedTrendMethod : public ForecastMethod {
 public:
  DampedTrendMethod(int window, double damping) : window_(window), damping_(damping) {}
  std::string Name() const override;
  int FirstOrigin() const override { return window_ - 1; }
  void Forecast(absl::Span<const double> values, int origin,
                std::vector<double>* out) const override;

 private:
  int window_;
  double damping_;
};

// Seasonal naive with drift: the value one period earlier, shifted by how
// much the recent level (mean of the last `smoothing` values) differs from
// the level a period before.
class CycleMethod : public ForecastMethod {
 public:
  CycleMethod(int period, double step_s, int smoothing)
      : period_(period), step_s_(step_s), smoothing_(smoothing) {}
  std::string Name() const override;
  int FirstOrigin() const override { return period_ + smoothing_ - 1; }
  void Forecast(absl::Span<const double> values, int origin,
                std::vector<double>* out) const override;

 private:
  int period_;
  double step_s_;
  int smoothing_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_FORECAST_FORECAST_METHODS_H_
