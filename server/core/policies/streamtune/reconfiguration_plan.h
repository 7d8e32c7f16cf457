// The planning half of forecast-aware StreamTune (docs/algorithm.md §3.8):
// given, per future decision step, the parallelism each operator needs to
// keep up with the upper band of the forecast, choose when to reconfigure
// and to what so that instance-seconds plus restarts × their cost is
// smallest over the horizon. Only the first segment of the plan is acted
// on; the next decision plans again with a fresh forecast. Pure: thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RECONFIGURATION_PLAN_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RECONFIGURATION_PLAN_H_

#include <vector>

namespace streamtune {

struct PlanInput {
  std::vector<int> current;  // Per operator, the running parallelism.
  // required[k][v]: what operator v needs during step k (k = 0 starts now)
  // in a new configuration, sized with the restart headroom and the target
  // utilisation.
  std::vector<std::vector<int>> required;
  // What the running configuration must have to be kept through step k:
  // enough to keep up at full utilisation, with no restart to work off.
  // The gap between the two is the hysteresis that keeps a configuration
  // running until the forecast says it will fall behind. Empty: required.
  std::vector<std::vector<int>> keep_required;
  double step_s = 60;
  // Steps between deciding a change and the new configuration running
  // with the restart's backlog worked off: until then the old one serves.
  int lead_steps = 0;
  // Instance-seconds one reconfiguration costs (docs/algorithm.md §3.8).
  double restart_cost = 0;
  // Per operator, what the highest rate of the job's history needs. A plan
  // that ends below it is charged one more restart: the rate has been
  // there, so it may come back after the horizon, and going back up costs
  // a restart too. Empty: no such charge.
  std::vector<int> recurring_peak;
};

struct ReconfigurationPlan {
  bool change_now = false;
  std::vector<int> config;  // For the first segment (= current when kept).
  int hold_steps = 0;       // Length of the first segment.
  int changes = 0;          // Reconfigurations over the whole horizon.
  double cost = 0;          // Instance-seconds + restarts × restart_cost.
  // The cheapest plan that keeps the running configuration first, or -1
  // when it falls behind before any change could take effect.
  double keep_cost = -1;
};

// The optimal piecewise-constant schedule (dynamic programming over change
// steps, O(K² · operators)). A segment [a, b) runs, per operator, the
// largest requirement over steps [a, b + lead_steps), clamped to the
// horizon. `required` must be non-empty with one entry per operator.
ReconfigurationPlan PlanReconfigurations(const PlanInput& input);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RECONFIGURATION_PLAN_H_
