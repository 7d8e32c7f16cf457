// A DS2-like estimate of the parallelism each operator needs, computed from
// one snapshot's own metrics (and the previous snapshot, for backlog growth):
// the centre around which the exploration decider (exploration.h) draws
// under- and over-provisioned configurations. Pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_HISTORY_DS2_ESTIMATE_H_
#define STREAMTUNE_CLIENT_HISTORY_DS2_ESTIMATE_H_

#include <vector>

#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::history {

// Seconds in which a source's backlog should be worked off (docs/algorithm.md §1).
inline constexpr double kDefaultCatchUpS = 300;

// Target input rate λ_v of every operator, indexed like snapshot.operators():
// a source's read rate + backlog growth per second (against `previous`, when
// it is an earlier snapshot of the same job with no restart in between; else
// 0) + backlog / catch_up_s; any other operator the sum over its input edges
// of producer λ × observed selectivity (records_out / records_in) × fraction,
// in topological order. Operators on a cycle or fed by nothing get 0.
std::vector<double> TargetInputRates(const v1::Snapshot& snapshot,
                                     const v1::Snapshot* previous,
                                     double catch_up_s = kDefaultCatchUpS);

// Per operator, the smallest p with p × (its per-instance processing rate)
// ≥ λ_v, clamped to [1, max_parallelism]. The processing rate at the current
// parallelism is records_in / (busy_ms_per_s_max / 1000): the aggregate rate
// at which the busiest instance saturates (so a hot key or contention is
// seen at the current p, and extrapolated linearly from it, as DS2 does).
// An operator without usable metrics (no input, busy time near 0) keeps its
// current parallelism.
std::vector<int> EstimateNeededParallelism(const v1::Snapshot& snapshot,
                                           const v1::Snapshot* previous,
                                           double catch_up_s = kDefaultCatchUpS);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_DS2_ESTIMATE_H_
