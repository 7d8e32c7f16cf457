// Scaling a workload's source rates to its DAG: one common factor on every
// trace so that the oracle (docs/simulator.md §6) needs a chosen parallelism
// at the peak, within what max_parallelism sustains. Shared by the
// generator's rate families and `streamtune-workloads retrace`. Pure
// functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_RATE_SCALING_H_
#define STREAMTUNE_CLIENT_SIM_RATE_SCALING_H_

#include "client/sim/workload.h"

namespace streamtune::sim {

struct ScaleTarget {
  // Instances the busiest operator should need at the peak (with the restart
  // headroom 1 + restart_downtime_s / catch_up_s); >= 1.
  int peak_parallelism = 12;
  // 0: stay feasible, at most 90% of what max_parallelism sustains. > 1: put
  // the peak this factor beyond that limit instead (parts of the run are then
  // infeasible on purpose).
  double beyond_feasible = 0;
};

// Multiplies every rate of `workload` by one factor chosen for `target`, then
// rounds each to a whole record/s (at least 1). The relative shape of every
// trace, and the ratios between sources, are kept. Returns the factor
// applied; 0, leaving the rates alone, when the workload does not validate.
double ScaleRates(const ScaleTarget& target, Workload* workload);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_RATE_SCALING_H_
