#include "bench/forecast/forecast_accuracy.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace streamtune::bench {
namespace {

double PlannerLead(const sim::Workload& w, double target_utilisation) {
  const double lead = PlanningLeadSeconds(w.restart_downtime_s, target_utilisation);
  return std::ceil(lead / w.decision_interval_s) * w.decision_interval_s;
}

}  // namespace

std::vector<SourceAccuracy> MeasureForecastAccuracy(const sim::Workload& workload,
                                                    const AccuracyOptions& options) {
  const double step = workload.decision_interval_s;
  const double horizon = options.horizon_s > 0
                             ? options.horizon_s
                             : PlannerLead(workload, options.target_utilisation);
  const int ahead = std::max(1, static_cast<int>(std::ceil(horizon / step - 1e-9)));
  std::vector<SourceAccuracy> out;
  std::mt19937_64 random(static_cast<uint64_t>(workload.seed));
  for (const auto& [source, steps] : workload.sources) {
    // What the service would see: the rate each interval, with metric noise.
    std::normal_distribution<double> noise(0, workload.noise_sd);
    std::vector<double> seen;
    std::vector<double> truth;
    for (double t = step; t <= workload.duration_s; t += step) {
      truth.push_back(sim::TargetRate(steps, t));
      seen.push_back(std::max(0.0, truth.back() * (1 + noise(random))));
    }
    SourceAccuracy row;
    row.workload = workload.name;
    row.source = source;
    row.horizon_s = ahead * step;
    double ape = 0;
    double persistence_ape = 0;
    int covered = 0;
    const int n = static_cast<int>(seen.size());
    for (int now = options.min_points - 1; now + ahead < n; ++now) {
      const int first = std::max(0, now - options.history_points + 1);
      std::vector<TimedRate> history;
      for (int i = first; i <= now; ++i) history.push_back({(i - now) * step, seen[i]});
      const RateForecast f = ForecastRate(history, row.horizon_s, options.forecast);
      const double actual = truth[now + ahead];
      if (f.empty() || actual <= 0) continue;
      ++row.forecasts;
      ++row.methods[f.method];
      ape += std::abs(f.MedianAt(row.horizon_s) - actual) / actual;
      persistence_ape += std::abs(seen[now] - actual) / actual;
      covered += actual <= f.UpperAt(row.horizon_s);
    }
    if (row.forecasts > 0) {
      row.mape = ape / row.forecasts;
      row.persistence_mape = persistence_ape / row.forecasts;
      row.band_coverage = static_cast<double>(covered) / row.forecasts;
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string AccuracyTable(const std::vector<SourceAccuracy>& rows) {
  std::string out =
      "| workload | source | horizon (s) | forecasts | MAPE (%) | persistence MAPE (%) "
      "| ratio | band coverage (%) | most chosen method |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  double log_sum = 0;
  int ratios = 0;
  for (const SourceAccuracy& r : rows) {
    std::string method = "-";
    int most = 0;
    for (const auto& [name, count] : r.methods) {
      if (count > most) {
        most = count;
        method = absl::StrFormat("%s (%d%%)", name, 100 * count / r.forecasts);
      }
    }
    const double ratio = r.persistence_mape > 0 ? r.mape / r.persistence_mape : NAN;
    if (std::isfinite(ratio) && ratio > 0) {
      log_sum += std::log(ratio);
      ++ratios;
    }
    absl::StrAppend(&out,
                    absl::StrFormat("| %s | %s | %.0f | %d | %.2f | %.2f | %.3f | "
                                    "%.1f | %s |\n",
                                    r.workload, r.source, r.horizon_s, r.forecasts,
                                    100 * r.mape, 100 * r.persistence_mape, ratio,
                                    100 * r.band_coverage, method));
  }
  if (ratios > 0) {
    absl::StrAppend(&out, absl::StrFormat("\nGeometric mean of the MAPE ratio to "
                                          "persistence over %d sources: %.3f\n",
                                          ratios, std::exp(log_sum / ratios)));
  }
  return out;
}

}  // namespace streamtune::bench
