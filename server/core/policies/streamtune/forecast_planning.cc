#include "server/core/policies/streamtune/forecast_planning.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/forecast/arrival_series.h"
#include "server/core/forecast/rate_forecaster.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune {
namespace {

// How the plan reads, e.g. "keep 14 instances for 600 s" or "change to 18
// instances for 900 s, then 2 more changes".
std::string DescribePlan(const PlannedDecision& d, int current_total) {
  int total = 0;
  for (int p : d.plan.config) total += p;
  const std::string first =
      d.plan.change_now
          ? absl::StrFormat("change %d -> %d instances", current_total, total)
          : absl::StrFormat("keep %d instances", current_total);
  const int later = d.plan.changes - (d.plan.change_now ? 1 : 0);
  // Why now: what keeping first would cost, against a restart's price.
  std::string why;
  if (d.plan.change_now) {
    why = d.plan.keep_cost < 0
              ? "; keeping would fall behind"
              : absl::StrFormat("; %.0f instance-min cheaper than keeping first",
                                (d.plan.keep_cost - d.plan.cost) / 60);
  }
  return absl::StrFormat(
      "plan over %.0f s (a restart costs %.0f instance-min): %s for "
      "%.0f s%s%s",
      d.horizon_s, d.restart_cost / 60, first, d.plan.hold_steps * d.step_s,
      later > 0 ? absl::StrFormat(", then %d more change(s)", later)
                : std::string(", no later change"),
      why);
}

// Per operator, what the highest arrival rate of each source in the
// job's history needs at full utilisation.
std::vector<int> RecurringPeak(const JobGraph& graph,
                               const std::vector<std::vector<TimedRate>>& series,
                               absl::Span<const OperatorSizer> sizers) {
  std::vector<double> peak(graph.size(), 0.0);
  for (int v = 0; v < graph.size(); ++v) {
    for (const TimedRate& point : series[v]) peak[v] = std::max(peak[v], point.rate);
  }
  const std::vector<double> demand = PropagateSourceRates(graph, peak);
  std::vector<int> out;
  for (int v = 0; v < graph.size(); ++v) out.push_back(sizers[v].Sustaining(demand[v]));
  return out;
}

// Every operator's input during decision step k at the forecast's median
// and at the band's top: the step's highest points, its start (the rate
// now for k = 0) and its end.
struct StepDemand {
  std::vector<double> expected;
  std::vector<double> band_top;
};

StepDemand DemandDuringStep(const JobGraph& graph,
                            const std::vector<std::vector<TimedRate>>& series,
                            const std::vector<RateForecast>& forecasts, int k,
                            double step_s) {
  std::vector<double> upper(graph.size(), 0.0);
  std::vector<double> median(graph.size(), 0.0);
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    const RateForecast& f = forecasts[v];
    const double now = series[v].back().rate;
    const double end = (k + 1) * step_s;
    upper[v] = std::max(k == 0 ? now : f.UpperAt(k * step_s), f.UpperAt(end));
    median[v] = std::max(k == 0 ? now : f.MedianAt(k * step_s), f.MedianAt(end));
  }
  return StepDemand{PropagateSourceRates(graph, median),
                    PropagateSourceRates(graph, upper)};
}

// Appends step k's requirements to `plan`: what a new configuration needs
// (`required`) and what the running one needs to be kept (`keep_required`).
void AddStepRequirements(absl::Span<const OperatorSizer> sizers,
                         const StepDemand& demand, int k,
                         absl::Span<const double> demand_now, double utilisation,
                         double restart_headroom, PlanInput* plan) {
  std::vector<int> required(sizers.size());
  std::vector<int> keep_required(sizers.size());
  for (size_t v = 0; v < sizers.size(); ++v) {
    const OperatorSizer& sizer = sizers[v];
    // The band and the target utilisation guard against the same surprise,
    // so they are not stacked: a new configuration runs the expected rate
    // at the target utilisation and keeps up with the band's top (plus the
    // restart's backlog) at full utilisation. Measured: stacking them held
    // the wiki trace at 1.5× the oracle's peak total.
    required[v] = std::max(sizer.Bounded(demand.expected[v] / utilisation),
                           sizer.Sustaining(demand.band_top[v] * restart_headroom));
    if (k == 0) required[v] = std::max(required[v], sizer.Bounded(demand_now[v]));
    keep_required[v] = sizer.Sustaining(demand.band_top[v]);
    // An observed bottleneck cannot be kept, unless its sizing sees no gain
    // in more instances (§3.5's diminishing returns): a restart that
    // changes nothing for it would be wasted.
    const int running = sizer.op().parallelism();
    if (k == 0 && sizer.observed_bottleneck() && required[v] > running) {
      keep_required[v] = std::max(keep_required[v], running + 1);
    }
  }
  plan->required.push_back(std::move(required));
  plan->keep_required.push_back(std::move(keep_required));
}

}  // namespace

std::optional<PlannedDecision> PlanFromForecast(const PolicyInput& input,
                                                absl::Span<const OperatorSizer> sizers,
                                                absl::Span<const double> demand_now,
                                                double restart_s,
                                                const StreamTuneOptions& options) {
  const JobGraph& graph = input.graph;
  const std::vector<std::vector<TimedRate>> series =
      SourceArrivalSeries(graph, input.history);
  // A forecast reaches no further ahead than the past it learnt from.
  double horizon_s = options.max_plan_horizon_s;
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    if (static_cast<int>(series[v].size()) < options.min_forecast_points) {
      return std::nullopt;
    }
    horizon_s = std::min(horizon_s, -series[v].front().t_s);
  }
  std::vector<RateForecast> forecasts(graph.size());
  PlannedDecision d;
  // Ahead of a rise by the restart and the catch-up of its backlog.
  const double utilisation = options.target_utilisation;
  d.lead_s = PlanningLeadSeconds(restart_s, utilisation);

  std::vector<std::string> notes;
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    forecasts[v] = ForecastRate(series[v], horizon_s, options.forecast);
    if (forecasts[v].empty()) return std::nullopt;
    d.step_s = std::max(d.step_s, forecasts[v].step_s);
  }
  const int steps = std::max(1, static_cast<int>(horizon_s / d.step_s));
  d.horizon_s = steps * d.step_s;
  // A new configuration works off its restart's backlog within catch_up_s.
  const double restart_headroom = 1 + restart_s / options.catch_up_s;

  PlanInput plan;
  plan.step_s = d.step_s;
  plan.lead_steps = static_cast<int>(std::ceil(d.lead_s / d.step_s - 1e-9));
  int current_total = 0;
  for (int v = 0; v < graph.size(); ++v) {
    plan.current.push_back(graph.op(v).parallelism());
    current_total += graph.op(v).parallelism();
  }
  // For the downtime and the catch-up window after it, while the job runs
  // with a backlog and its lag SLO at risk, the whole job is out of its
  // steady state: a restart costs its instances for that long.
  plan.restart_cost = (restart_s + options.catch_up_s) * current_total;
  d.restart_cost = plan.restart_cost;
  plan.recurring_peak = RecurringPeak(graph, series, sizers);
  for (int k = 0; k < steps; ++k) {
    AddStepRequirements(sizers, DemandDuringStep(graph, series, forecasts, k, d.step_s),
                        k, demand_now, utilisation, restart_headroom, &plan);
  }
  d.plan = PlanReconfigurations(plan);
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    const double now = series[v].back().rate;
    notes.push_back(absl::StrFormat(
        "%s %.0f rec/s now, %.0f (band to %.0f) in %.0f s by %s", graph.op(v).id(), now,
        forecasts[v].MedianAt(d.lead_s), forecasts[v].UpperAt(d.lead_s), d.lead_s,
        forecasts[v].Describe(d.lead_s)));
  }
  d.note = absl::StrCat("forecast: ", absl::StrJoin(notes, "; "), "; ",
                        DescribePlan(d, current_total));
  return d;
}

}  // namespace streamtune
