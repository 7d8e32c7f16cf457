// Replays every source rate of a workload the way the service sees it (one
// arrival point per decision interval, with the workload's metric noise, at
// most as much history as the service hands a policy) and scores the rate
// forecaster against persistence at a horizon: the figures of
// docs/benchmark.md's forecast table.
#ifndef STREAMTUNE_BENCH_FORECAST_FORECAST_ACCURACY_H_
#define STREAMTUNE_BENCH_FORECAST_FORECAST_ACCURACY_H_

#include <map>
#include <string>
#include <vector>

#include "client/sim/workload.h"
#include "server/core/forecast/rate_forecaster.h"

namespace streamtune::bench {

struct AccuracyOptions {
  // Seconds ahead the forecast is scored at; 0: the planner's lead for the
  // workload (restart downtime plus the catch-up of its backlog at 85%
  // target utilisation, docs/algorithm.md §3.8), rounded up to a decision.
  double horizon_s = 0;
  // StreamTuneOptions::target_utilisation's default (the bench does not
  // link the policy), for the lead.
  double target_utilisation = 0.85;
  int history_points = 128;  // The service's default --history_snapshots.
  int min_points = 5;        // As the policy: fewer and it does not forecast.
  ForecastOptions forecast;
};

struct SourceAccuracy {
  std::string workload;
  std::string source;
  double horizon_s = 0;
  int forecasts = 0;
  double mape = 0;                     // Of the forecaster's median.
  double persistence_mape = 0;         // Of the last value held.
  double band_coverage = 0;            // Share of actual rates at or below the band.
  std::map<std::string, int> methods;  // How often each method was chosen.
};

// One entry per source of `workload`, in the workload's source order.
std::vector<SourceAccuracy> MeasureForecastAccuracy(const sim::Workload& workload,
                                                    const AccuracyOptions& options);

// A Markdown table of `rows` with a geometric-mean line of the MAPE ratio.
std::string AccuracyTable(const std::vector<SourceAccuracy>& rows);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_FORECAST_FORECAST_ACCURACY_H_
