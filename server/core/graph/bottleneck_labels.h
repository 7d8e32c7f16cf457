// Bottleneck labels of one snapshot's operators (docs/algorithm.md §1):
// the ground truth StreamTune learns from and the evidence policies consult.
#ifndef STREAMTUNE_SERVER_CORE_GRAPH_BOTTLENECK_LABELS_H_
#define STREAMTUNE_SERVER_CORE_GRAPH_BOTTLENECK_LABELS_H_

#include <vector>

#include "server/core/graph/job_graph.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

struct LabelOptions {
  // Busy time (ms per second of the busiest instance) at which an instance
  // counts as saturated.
  double saturated_busy_ms = 900;
  // Backpressured time below which an operator is "not itself throttled".
  double backpressured_below_ms = 100;
};

// One label per operator, in snapshot order. `previous` is the comparable
// earlier snapshot of the same run (ComparablePrevious), or nullptr; growth of
// a backlog or queue is judged against it. `before_previous` is previous's
// own comparable previous snapshot, or nullptr.
//
// Flink semantics: BOTTLENECK when the busiest instance is saturated and the
// operator is not backpressured, or when it is a source whose backlog grows
// while it is saturated; HEALTHY when not saturated and no backlog grows
// (a backpressured source without a backlog signal may hide a growing one,
// so it is not HEALTHY); otherwise UNDECIDED. Timely semantics: BOTTLENECK when its
// queue grows faster than its busiest instance's spare capacity, or it is
// busy >= 90% and its queue does not shrink (shrinking: it works off its
// queue and keeps up) unless the job absorbs it (every source read its
// arrival over the interval and holds at most a second of it, and the
// operator's queue holds at most a second of its input and did not grow
// over both intervals since `before_previous`); UNDECIDED for a queue
// that grows within the spare capacity (the operator waits for its input's
// progress or takes a burst), for an absorbed saturation, and for a queue
// whose trend is unknown (no comparable snapshot) on an unsaturated
// operator; HEALTHY otherwise. And when no operator is a
// BOTTLENECK by those rules while the job falls behind at one parallelism,
// the busiest operator is one (workers run every operator, so one holding
// its worker can read well below 90%). Falling behind: a source's backlog
// grew by more than 3% of its arrival over the last interval, and either
// every operator runs at parallelism 1 (so all share worker 0) with their
// busy times summing to the saturation threshold, or it grew so over the
// interval before too (since `before_previous`) and holds more than a
// second of arrival. Every operator is STABILISING while the snapshot is
// younger than one metrics window after a restart.
std::vector<v1::OperatorLabel> LabelBottlenecks(
    const JobGraph& graph, const v1::Snapshot* previous,
    const v1::Snapshot* before_previous = nullptr, const LabelOptions& options = {});

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_GRAPH_BOTTLENECK_LABELS_H_
