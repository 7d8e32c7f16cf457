// What the service knows about a source's backlog (docs/algorithm.md §1
// "Unknown backlog"): measured, estimated from a time lag, or unknown, and
// the rule every reactive policy follows when a throttled source's backlog
// is unknown: its read rate is only a lower bound of its arrival rate.
#ifndef STREAMTUNE_SERVER_CORE_GRAPH_SOURCE_BACKLOG_H_
#define STREAMTUNE_SERVER_CORE_GRAPH_SOURCE_BACKLOG_H_

#include <optional>
#include <string>
#include <vector>

#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// The source's backlog in records; nullopt when unknown: the client said it
// has no signal (BACKLOG_SIGNAL_NONE) or left pending_records unset. Never
// zero for "not reported".
std::optional<double> KnownBacklog(const v1::OperatorMetrics& metrics);

// Whether a source with these metrics reads only a lower bound of what
// arrives: its backlog is unknown and it is throttled — backpressured at
// least options.backpressured_below_ms or its busiest instance busy at least
// options.saturated_busy_ms (the labels' thresholds, §1: 100 and 900 ms/s).
// A source that is neither reads everything that arrives, so its read rate
// is its arrival rate even without a backlog signal.
bool ReadRateIsOnlyALowerBound(const v1::OperatorMetrics& source_metrics,
                               const LabelOptions& options = {});

// Sources (indices into `graph`) for which ReadRateIsOnlyALowerBound holds:
// their arrival rate cannot be read.
std::vector<int> SourcesWithUnknownArrival(const JobGraph& graph);

// "source s (no backlog signal, backpressured 400 ms/s)", for reasons.
std::string DescribeUnknownArrival(const JobGraph& graph,
                                   const std::vector<int>& sources);

// The policies' rule for such sources: their observed rates are lower
// bounds, so no operator of `answer` is scaled down (a lower bound cannot
// justify giving capacity back), `apply` stays only when something still
// rises, and the reason says why instead of claiming the job keeps up. Does
// nothing when every source's arrival rate is known.
void HoldScaleDownsWhileArrivalUnknown(const JobGraph& graph,
                                       v1::Recommendation* answer);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_GRAPH_SOURCE_BACKLOG_H_
