#include "server/core/graph/bottleneck_labels.h"

#include <algorithm>
#include <optional>

#include "server/core/graph/rate_estimation.h"
#include "server/core/graph/source_backlog.h"

namespace streamtune {
namespace {

// A backlog or queue "grows" when it rose over the interval; without a
// comparable snapshot its trend is unknown.
bool Grows(std::optional<double> growth_per_s) {
  return growth_per_s.has_value() && *growth_per_s > 0;
}

// Records per second more the operator could take in before its busiest
// instance is saturated, at the input's current mix: 0 when the busy time
// says nothing.
double SpareRecordsPerSecond(const v1::OperatorMetrics& m) {
  const double busy = m.busy_ms_per_s_max();
  if (busy <= 0 || !m.has_records_in_per_s()) return 0;
  return m.records_in_per_s() * std::max(0.0, 1000 / busy - 1);
}

v1::BottleneckLabel FlinkLabel(const JobGraph& graph, const v1::Snapshot* previous,
                               int v, const LabelOptions& options) {
  const auto& m = graph.op(v).metrics();
  if (!m.has_busy_ms_per_s_max()) return v1::BOTTLENECK_LABEL_UNDECIDED;
  const bool saturated = m.busy_ms_per_s_max() >= options.saturated_busy_ms;
  const bool backlog_grows = graph.is_source(v) && Grows(PendingGrowthPerSecond(
                                                       graph.snapshot(), previous, v));
  if (saturated && backlog_grows) return v1::BOTTLENECK_LABEL_BOTTLENECK;
  if (saturated && m.backpressured_ms_per_s_max() < options.backpressured_below_ms) {
    return v1::BOTTLENECK_LABEL_BOTTLENECK;
  }
  // A throttled source without a backlog signal may have a backlog that
  // grows behind the backpressure: not "no backlog grows".
  const bool backlog_unknown =
      graph.is_source(v) && ReadRateIsOnlyALowerBound(m, options);
  if (!saturated && !backlog_grows && !backlog_unknown) {
    return v1::BOTTLENECK_LABEL_HEALTHY;
  }
  return v1::BOTTLENECK_LABEL_UNDECIDED;
}

v1::BottleneckLabel TimelyLabel(const JobGraph& graph, const v1::Snapshot* previous,
                                int v, const LabelOptions& options) {
  const auto& m = graph.op(v).metrics();
  const std::optional<double> growth =
      QueueGrowthPerSecond(graph.snapshot(), previous, v);
  if (!m.has_busy_ms_per_s_max()) {
    return Grows(growth) ? v1::BOTTLENECK_LABEL_BOTTLENECK
                         : v1::BOTTLENECK_LABEL_UNDECIDED;
  }
  const bool saturated = m.busy_ms_per_s_max() >= options.saturated_busy_ms;
  if (Grows(growth)) {
    // A queue grows past an operator's capacity only when its busiest
    // instance has no more spare than the growth: one with more spare than
    // that is waiting for its input's progress, or taking a burst, and more
    // instances would not drain it. Measured on Timely: q1's sink, 49 ms/s
    // busy with a queue growing behind a burst from upstream, was labelled
    // a bottleneck and the restart it caused raised the map from 3 to 8.
    return saturated || SpareRecordsPerSecond(m) <= *growth
               ? v1::BOTTLENECK_LABEL_BOTTLENECK
               : v1::BOTTLENECK_LABEL_UNDECIDED;
  }
  // A queue that shrinks is being worked off: the operator takes in more
  // than arrives, so however busy it is it keeps up with its input, and is
  // no bottleneck of it. Measured on Timely: right after a restart the
  // operators work off the downtime's backlog saturated, and labelling
  // that a bottleneck raised q5's count from 2 to 3 where 2 kept 100% of
  // the input.
  if (growth.has_value() && *growth < 0 && saturated) {
    return v1::BOTTLENECK_LABEL_UNDECIDED;
  }
  if (saturated) return v1::BOTTLENECK_LABEL_BOTTLENECK;
  // A queue with no earlier snapshot of this run to compare with has no
  // known trend: a momentary one (a single record right after a restart,
  // at 65% busy) is no evidence either way.
  if (!growth.has_value() && m.queued_records() > 0) {
    return v1::BOTTLENECK_LABEL_UNDECIDED;
  }
  return v1::BOTTLENECK_LABEL_HEALTHY;
}

// Whether `snapshot` runs `graph`'s operators at the same parallelism.
bool SameParallelism(const v1::Snapshot& snapshot, const JobGraph& graph) {
  if (!SameOperators(snapshot, graph)) return false;
  for (int v = 0; v < graph.size(); ++v) {
    if (snapshot.operators(v).parallelism() != graph.op(v).parallelism()) return false;
  }
  return true;
}

// Source `v`'s arrival (read rate + backlog growth) from `earlier` to
// `later` when it read less than that beyond metric noise (kKeptUpShare);
// nullopt when it kept up or its backlog's growth is unknown.
std::optional<double> ArrivalWhileBehind(const v1::Snapshot& later,
                                         const v1::Snapshot& earlier, int v) {
  const std::optional<double> growth = PendingGrowthPerSecond(later, &earlier, v);
  if (!growth.has_value()) return std::nullopt;
  const double read = later.operators(v).metrics().records_in_per_s();
  const double arrival = read + *growth;
  if (read >= kKeptUpShare * arrival) return std::nullopt;
  return arrival;
}

// Whether source `v` fell behind over the two intervals from
// `before_previous` to `current`: it read below its arrival over both and
// its backlog now holds more than a second of arrival. A backlog under a
// second is no lag a restart could shorten: measured on Timely q5 at 4
// instances, a burst took the backlog from 33 to 5,411 records over two
// intervals (4 s) while the job kept 106% of its input over the run's
// second half.
bool FellBehindTwice(const v1::Snapshot& current, const v1::Snapshot& previous,
                     const v1::Snapshot& before_previous, int v) {
  const std::optional<double> arrival = ArrivalWhileBehind(current, previous, v);
  return arrival.has_value() &&
         ArrivalWhileBehind(previous, before_previous, v).has_value() &&
         current.operators(v).metrics().pending_records() > *arrival;
}

// In Timely every worker runs its share of every operator, so an operator
// that holds its worker's time can read well below the saturation threshold
// while the job falls behind. Measured on Timely q8 at 6000 rec/s: the join
// at 857 ms/s shared its worker with the source and the two maps (59, 36
// and 37 ms/s, about 990 in all) while the source's backlog grew 2,400
// rec/s; it was labelled healthy for five windows, so the scale-up came
// late and the backlog it left needed a third join instance. A job falls
// behind when a source fell behind twice (FellBehindTwice) at one
// configuration: one interval is not enough, since the Timely sources'
// backlogs come and go in bursts (q5's windows) while the job keeps up, and
// the intervals after a change still hold it. The busiest operator (index
// returned) is then where the job's time runs short; -1 when the job does
// not fall behind.
int BusiestWhileFallingBehind(const JobGraph& graph, const v1::Snapshot* previous,
                              const v1::Snapshot* before_previous) {
  if (previous == nullptr || before_previous == nullptr ||
      !SameParallelism(*previous, graph) || !SameParallelism(*before_previous, graph)) {
    return -1;
  }
  bool behind = false;
  for (int v = 0; v < graph.size(); ++v) {
    behind |= graph.is_source(v) &&
              FellBehindTwice(graph.snapshot(), *previous, *before_previous, v);
  }
  if (!behind) return -1;
  int busiest = -1;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    if (!m.has_busy_ms_per_s_max()) continue;
    if (busiest < 0 ||
        m.busy_ms_per_s_max() > graph.op(busiest).metrics().busy_ms_per_s_max()) {
      busiest = v;
    }
  }
  return busiest;
}

}  // namespace

std::vector<v1::OperatorLabel> LabelBottlenecks(const JobGraph& graph,
                                                const v1::Snapshot* previous,
                                                const v1::Snapshot* before_previous,
                                                const LabelOptions& options) {
  const v1::Snapshot& snapshot = graph.snapshot();
  const bool stabilising = Stabilising(snapshot);
  const bool timely = snapshot.semantics() == v1::METRIC_SEMANTICS_TIMELY;
  std::vector<v1::OperatorLabel> labels(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    labels[v].set_operator_id(graph.op(v).id());
    if (stabilising) {
      labels[v].set_label(v1::BOTTLENECK_LABEL_STABILISING);
    } else {
      labels[v].set_label(timely ? TimelyLabel(graph, previous, v, options)
                                 : FlinkLabel(graph, previous, v, options));
    }
  }
  if (timely && !stabilising &&
      std::none_of(labels.begin(), labels.end(), [](const v1::OperatorLabel& l) {
        return l.label() == v1::BOTTLENECK_LABEL_BOTTLENECK;
      })) {
    if (const int v = BusiestWhileFallingBehind(graph, previous, before_previous);
        v >= 0) {
      labels[v].set_label(v1::BOTTLENECK_LABEL_BOTTLENECK);
    }
  }
  return labels;
}

}  // namespace streamtune
