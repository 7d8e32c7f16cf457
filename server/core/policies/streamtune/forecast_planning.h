// Forecast-aware planning (docs/algorithm.md §3.8): forecast every source's
// arrival rate from the job's own history, turn the forecast's upper band
// into the parallelism each operator needs at every future decision step,
// and let the reconfiguration plan choose when to change and to what.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_FORECAST_PLANNING_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_FORECAST_PLANNING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/policies/streamtune/operator_sizing.h"
#include "server/core/policies/streamtune/reconfiguration_plan.h"
#include "server/core/policies/streamtune/streamtune_options.h"
#include "server/core/policy.h"

namespace streamtune {

struct PlannedDecision {
  ReconfigurationPlan plan;
  double horizon_s = 0;
  double step_s = 0;
  double lead_s = 0;
  double restart_cost = 0;  // Instance-seconds of one reconfiguration.
  // Names the forecast of every source and the horizon, for the reason.
  std::string note;
};

// The plan for this decision; nullopt when a source has fewer than
// options.min_forecast_points arrival points (the reactive rules decide
// then). `sizers` and `demand_now` are indexed like the snapshot's
// operators; `restart_s` is the job's restart downtime.
std::optional<PlannedDecision> PlanFromForecast(const PolicyInput& input,
                                                absl::Span<const OperatorSizer> sizers,
                                                absl::Span<const double> demand_now,
                                                double restart_s,
                                                const StreamTuneOptions& options);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_FORECAST_PLANNING_H_
