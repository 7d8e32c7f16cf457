// What a tuner can infer from metrics alone: per-operator selectivity and
// true processing rate, backlog growth between two snapshots, and the target
// input rate of every operator (docs/algorithm.md §1 "Target rate").
#ifndef STREAMTUNE_SERVER_CORE_GRAPH_RATE_ESTIMATION_H_
#define STREAMTUNE_SERVER_CORE_GRAPH_RATE_ESTIMATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/graph/job_graph.h"
#include "streamtune/v1/service.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// A rate at least this share of the rate it should reach counts as reaching
// it: metric noise of a few percent is no falling behind (the policies'
// FellBehind and the Timely labels' growing backlog).
inline constexpr double kKeptUpShare = 0.97;

struct RateEstimationOptions {
  // Seconds in which a source's current backlog should be worked off; adds
  // lag / catch_up_s to the source's target rate.
  double catch_up_s = 300;
};

// The most recent snapshot in `history` (oldest first) taken earlier in the
// same run as `current` (no restart in between), or nullptr. Growth of
// backlogs and queues is only meaningful against such a snapshot.
const v1::Snapshot* ComparablePrevious(const v1::Snapshot& current,
                                       absl::Span<const v1::StoredSnapshot> history);

// The operator of `snapshot` with id `id`, or nullptr.
const v1::Operator* FindOperator(const v1::Snapshot& snapshot, const std::string& id);

// Whether `snapshot` is its run's first settled window (it began less than
// a window after the restart), which still holds the start-up: the
// restart's backlog, instances warming up unevenly.
bool FirstWindowOfRun(const v1::Snapshot& snapshot);

// Seconds from `earlier`'s observed_at to `later`'s (negative if reversed).
double SecondsBetween(const v1::Snapshot& earlier, const v1::Snapshot& later);

// Records out per record in (1 when nothing came in; 0 for an operator that
// emits nothing, such as a sink).
double Selectivity(const v1::Operator& op);

// Records per second the operator would process if 100% busy, aggregated
// over its instances: records_in / (busy_avg / 1000). nullopt when busy time
// or input rate is missing or too small to extrapolate from.
std::optional<double> TrueProcessingRate(const v1::Operator& op);

// Per-second change of the source backlog (pending_records) or operator
// queue (queued_records) of operator `index` of `current` since `previous`;
// nullopt when unknown.
std::optional<double> PendingGrowthPerSecond(const v1::Snapshot& current,
                                             const v1::Snapshot* previous, int index);
std::optional<double> QueueGrowthPerSecond(const v1::Snapshot& current,
                                           const v1::Snapshot* previous, int index);

// Target input rate λ_v of every operator (indexed like the snapshot): for a
// source, its read rate + backlog growth per second + backlog / catch_up_s;
// for any other operator, the sum over input edges of the producer's target
// rate × its observed selectivity × the edge's fraction (as DS2 does).
std::vector<double> TargetInputRates(const JobGraph& graph,
                                     const v1::Snapshot* previous,
                                     const RateEstimationOptions& options);

// The input rate of every operator when each source v receives
// `source_rates[v]` (entries of non-sources are ignored): the same
// propagation through observed selectivities and edge fractions as
// TargetInputRates, for rates other than the observed ones (a forecast).
std::vector<double> PropagateSourceRates(const JobGraph& graph,
                                         const std::vector<double>& source_rates);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_GRAPH_RATE_ESTIMATION_H_
