#include "server/core/forecast/forecast_methods.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/median.h"

namespace streamtune {

Line FitLine(absl::Span<const double> values) {
  const int n = static_cast<int>(values.size());
  const double mean_x = (n - 1) / 2.0;
  double mean_y = 0;
  for (double v : values) mean_y += v;
  mean_y /= n;
  double sxy = 0;
  double sxx = 0;
  for (int i = 0; i < n; ++i) {
    sxy += (i - mean_x) * (values[i] - mean_y);
    sxx += (i - mean_x) * (i - mean_x);
  }
  const double slope = sxx > 0 ? sxy / sxx : 0;
  return Line{mean_y - slope * mean_x, slope};
}

RegularSeries Regularise(absl::Span<const TimedRate> series, int max_points) {
  RegularSeries out;
  if (series.size() < 2 || max_points < 2) return out;
  std::vector<double> gaps;
  for (size_t i = 1; i < series.size(); ++i) {
    const double gap = series[i].t_s - series[i - 1].t_s;
    if (gap > 0) gaps.push_back(gap);
  }
  if (gaps.empty()) return out;
  out.step_s = HigherMedian(std::move(gaps));
  const double last = series.back().t_s;
  const double span = last - series.front().t_s;
  const int points =
      std::min(max_points, 1 + static_cast<int>(std::floor(span / out.step_s + 1e-9)));
  out.values.resize(points);
  // A point is the mean rate over the interval since the one before it (the
  // first point's: one step), so a grid time takes the time-weighted mean
  // of the points over the step that ends at it. A gap a restart leaves is
  // held by the one point after it. Measured: interpolating linearly across
  // such a gap (two skipped snapshots on real Flink) turned a 600 -> 1600
  // rec/s step into three points of a steady ramp, too even for a level
  // shift, and the plan read it as a trend. Measured too: taking the value
  // of the first point at or after a grid time dropped any point sampled a
  // fraction of a second early (the Flink agent's samples jitter by ±0.5 s
  // around 11 s) and doubled its neighbour, which turned a smooth rise into
  // a staircase whose backtest errors widened the band to twice the rate.
  const int n = static_cast<int>(series.size());
  int first = 0;  // First point whose interval ends after the step's start.
  for (int k = 0; k < points; ++k) {
    const double end = last - (points - 1 - k) * out.step_s;
    const double start = end - out.step_s;
    while (first < n - 1 && series[first].t_s <= start) ++first;
    double weighted = 0;
    double covered = 0;
    for (int i = first; i < n; ++i) {
      const double from = i == 0 ? series[0].t_s - out.step_s : series[i - 1].t_s;
      if (from >= end) break;
      const double overlap = std::min(end, series[i].t_s) - std::max(start, from);
      if (overlap > 0) {
        weighted += overlap * series[i].rate;
        covered += overlap;
      }
    }
    out.values[k] = covered > 0 ? weighted / covered : series[first].rate;
  }
  return out;
}

namespace {

// Residuals of `values` around their least-squares line.
std::vector<double> Detrended(absl::Span<const double> values) {
  const Line line = FitLine(values);
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i] - line.At(i);
  return out;
}

double Autocorrelation(const std::vector<double>& x, int lag) {
  double num = 0;
  double den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    den += x[i] * x[i];
    if (i >= static_cast<size_t>(lag)) num += x[i] * x[i - lag];
  }
  return den > 0 ? num / den : 0;
}

}  // namespace

int DetectPeriod(absl::Span<const double> values, double min_correlation) {
  const int n = static_cast<int>(values.size());
  if (n < 8) return 0;
  const std::vector<double> x = Detrended(values);
  int lag = 1;
  while (lag <= n / 3 && Autocorrelation(x, lag) >= 0) ++lag;
  int best = 0;
  double best_r = min_correlation;
  for (; lag <= n / 3; ++lag) {
    // The biased estimator shrinks long lags; rescale to compare them fairly.
    const double r = Autocorrelation(x, lag) * n / (n - lag);
    if (r >= best_r) {
      best_r = r;
      best = lag;
    }
  }
  return best;
}

void PersistenceMethod::Forecast(absl::Span<const double> values, int origin,
                                 std::vector<double>* out) const {
  std::fill(out->begin(), out->end(), values[origin]);
}

std::string DampedTrendMethod::Name() const {
  return absl::StrFormat("trend over %d points", window_);
}

std::vector<bool> LevelShifts(absl::Span<const double> history, int from) {
  const int n = static_cast<int>(history.size());
  std::vector<bool> shifts(n, false);
  if (n < 3) return shifts;
  std::vector<double> changes;
  changes.reserve(n - 1);
  for (int i = 1; i < n; ++i) changes.push_back(history[i] - history[i - 1]);
  std::vector<double> sorted = changes;
  std::sort(sorted.begin(), sorted.end());
  // Quantile q of the sorted changes, interpolated linearly.
  auto quantile = [&sorted](double q) {
    const double at = q * static_cast<double>(sorted.size() - 1);
    const size_t below = static_cast<size_t>(std::floor(at));
    const size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
  };
  const double median = quantile(0.5);
  const double sigma = (quantile(0.75) - quantile(0.25)) / 1.349;
  // changes[c] leads into history[c + 1].
  for (int c = std::max(0, from - 1); c < n - 1; ++c) {
    const double rate = std::max(std::abs(history[c]), std::abs(history[c + 1]));
    shifts[c + 1] = std::abs(changes[c] - median) >
                    std::max(kLevelShiftSigmas * sigma, 0.01 * rate);
  }
  return shifts;
}

int LatestLevelStart(absl::Span<const double> history, int window) {
  const int n = static_cast<int>(history.size());
  window = std::min(window, n);
  const std::vector<bool> shifts = LevelShifts(history, n - window + 1);
  for (int i = n - 1; i > n - window; --i) {
    if (shifts[i]) return i - (n - window);
  }
  return 0;
}

void DampedTrendMethod::Forecast(absl::Span<const double> values, int origin,
                                 std::vector<double>* out) const {
  absl::Span<const double> window = values.subspan(origin - window_ + 1, window_);
  window = window.subspan(LatestLevelStart(values.subspan(0, origin + 1), window_));
  if (window.size() < 3) {
    std::fill(out->begin(), out->end(), window.back());
    return;
  }
  const Line line = FitLine(window);
  const double level = line.At(static_cast<double>(window.size()) - 1);
  double steps = 0;
  double factor = 1;
  for (size_t h = 1; h <= out->size(); ++h) {
    factor *= damping_;
    steps += factor;
    (*out)[h - 1] = std::max(0.0, level + line.slope * steps);
  }
}

std::string CycleMethod::Name() const {
  return absl::StrFormat("cycle of %.0f s", period_ * step_s_);
}

void CycleMethod::Forecast(absl::Span<const double> values, int origin,
                           std::vector<double>* out) const {
  double recent = 0;
  double cycle_ago = 0;
  for (int i = 0; i < smoothing_; ++i) {
    recent += values[origin - i];
    cycle_ago += values[origin - period_ - i];
  }
  const double drift = (recent - cycle_ago) / smoothing_;
  for (size_t h = 1; h <= out->size(); ++h) {
    // Past the period, look back as many whole periods as needed.
    int back = origin + static_cast<int>(h);
    while (back > origin) back -= period_;
    (*out)[h - 1] = std::max(0.0, values[back] + drift);
  }
}

}  // namespace streamtune
