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
// observation's time.
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
// its points, ending at its last point; at most `max_points` long. Each
// point is the mean over the interval since the one before, so a grid time
// takes the time-weighted mean of the points over the step ending at it
// (a gap is held by the point after it). Empty values when `series` has
// fewer than two points.
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

// Which changes of `history` are level shifts: element i for the change
// into history[i] (element 0 is false), checked for i >= `from` only. A
// level shift is a change that differs from the median change of the
// whole `history` by more than kLevelShiftSigmas standard deviations of
// its changes and by more than 1% of the rate (so that a noise-free
// series' rounding is no shift): a rate step, not the noise or the
// curvature of a trend. The standard deviation is the changes'
// interquartile range / 1.349 (σ for normal noise), over the whole
// history: a window's few changes have no spread to speak of; quartiles
// ignore the steps themselves and a noisy start-up (up to a quarter of the
// changes), where a mean deviation did not (measured on real Flink: the
// start-up's swings hid a 1600 -> 2400 rec/s step); and unlike a median
// absolute deviation they do not collapse to 0 when changes alternate
// between two values (a metric refreshed every other poll).
inline constexpr double kLevelShiftSigmas = 4;
std::vector<bool> LevelShifts(absl::Span<const double> history, int from = 1);

// Where the latest level of `history`'s last `window` values holds from:
// the index (0 .. window-1, into those values) just after their last level
// shift, 0 when they have none.
int LatestLevelStart(absl::Span<const double> history, int window);

// A least-squares line over the last `window` values, extrapolated with a
// damped slope (φ^1 + ... + φ^h steps of it), so a trend is followed but
// never projected without bound. Only the points since the window's last
// level shift are fitted, and with fewer than three of them the latest
// value is held: a line through a step reads it as a steep trend, lands
// above the new level and extrapolates further (measured on real Flink, a
// 600 -> 1600 rec/s step planned for the band's top at 2,900 rec/s).
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
