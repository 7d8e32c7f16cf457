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

// Source `v`'s arrival from `earlier` to `later`: its read rate plus its
// backlog's growth; nullopt when that growth is unknown.
std::optional<double> Arrival(const v1::Snapshot& later, const v1::Snapshot& earlier,
                              int v) {
  const std::optional<double> growth = PendingGrowthPerSecond(later, &earlier, v);
  if (!growth.has_value()) return std::nullopt;
  return later.operators(v).metrics().records_in_per_s() + *growth;
}

// Whether source `v` read what arrived (Arrival) within metric noise
// (kKeptUpShare).
bool ReadItsArrival(const v1::Snapshot& later, int v, double arrival) {
  return later.operators(v).metrics().records_in_per_s() >= kKeptUpShare * arrival;
}

// Source `v`'s arrival from `earlier` to `later` when it read less than
// that beyond metric noise; nullopt when it kept up or its backlog's growth
// is unknown.
std::optional<double> ArrivalWhileBehind(const v1::Snapshot& later,
                                         const v1::Snapshot& earlier, int v) {
  const std::optional<double> arrival = Arrival(later, earlier, v);
  if (!arrival.has_value() || ReadItsArrival(later, v, *arrival)) return std::nullopt;
  return arrival;
}

// Whether every source of the job kept up over the interval since
// `previous`: it read its arrival (within kKeptUpShare) and holds at most a
// second of it. False when a backlog or its trend is unknown. The half of
// JobAbsorbs that is the same for every operator.
bool SourcesKeepUp(const JobGraph& graph, const v1::Snapshot* previous) {
  if (previous == nullptr) return false;
  for (int source = 0; source < graph.size(); ++source) {
    if (!graph.is_source(source)) continue;
    const std::optional<double> backlog = KnownBacklog(graph.op(source).metrics());
    const std::optional<double> arrival = Arrival(graph.snapshot(), *previous, source);
    if (!backlog.has_value() || !arrival.has_value() ||
        !ReadItsArrival(graph.snapshot(), source, *arrival) || *backlog > *arrival) {
      return false;
    }
  }
  return true;
}

// Whether the job absorbs what operator `v`'s busy time and queue show:
// its sources keep up (`sources_keep_up`, SourcesKeepUp), and `v`'s own
// queue holds at most a second of its input and, if it grew since
// `previous`, is known not to have grown over the interval before (since
// `before_previous`). The operator is then at its edge or taking a burst,
// not holding the job back: a second of backlog is no lag a restart could
// shorten (FellBehind below), and an operator that cannot keep up soon
// holds more, its queue growing interval after interval. False when a
// trend is unknown.
//
// Measured on Timely q8 at 6000 rec/s with the join at 3: a window's firing
// held its busiest instance at 987-989 ms/s (the mean 450) while the source
// read its 6,000 rec/s with at most 4 records behind; labelled a
// bottleneck, that took the join to 4 in all three repeats, where DS2 ran
// 2. Queue growth as well as saturation: in one such window the join's
// queue grew from 4 to 67 records (of 450 rec/s in), past the 5 rec/s its
// busiest instance had spare, after shrinking from 30 to 4 the interval
// before. And why growth over the interval before counts: on q5 at 3000
// rec/s the count at 1 instance (910 ms/s) had its queue grow 490 rec/s,
// from 962 to 1,936 records of 2,270 rec/s in, at the run's second window
// while the source kept up; absorbed, it was named a bottleneck one window
// later and the change went to 3 instances instead of DS2's 2.
bool JobAbsorbs(const JobGraph& graph, bool sources_keep_up,
                const v1::Snapshot* previous, const v1::Snapshot* before_previous,
                int v) {
  if (!sources_keep_up) return false;  // Also false without `previous`.
  const v1::OperatorMetrics& m = graph.op(v).metrics();
  if (!m.has_records_in_per_s() || m.queued_records() > m.records_in_per_s()) {
    return false;
  }
  if (!Grows(QueueGrowthPerSecond(graph.snapshot(), previous, v))) return true;
  if (before_previous == nullptr) return false;
  const std::optional<double> grew_before =
      QueueGrowthPerSecond(*previous, before_previous, v);
  return grew_before.has_value() && *grew_before <= 0;
}

// The label of operator `v` from its own busy time and queue alone.
v1::BottleneckLabel TimelyOperatorLabel(const JobGraph& graph,
                                        const v1::Snapshot* previous, int v,
                                        const LabelOptions& options) {
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

// An operator its own metrics call a bottleneck is undecided while the job
// absorbs what they show (JobAbsorbs).
v1::BottleneckLabel TimelyLabel(const JobGraph& graph, bool sources_keep_up,
                                const v1::Snapshot* previous,
                                const v1::Snapshot* before_previous, int v,
                                const LabelOptions& options) {
  const v1::BottleneckLabel label = TimelyOperatorLabel(graph, previous, v, options);
  return label == v1::BOTTLENECK_LABEL_BOTTLENECK &&
                 JobAbsorbs(graph, sources_keep_up, previous, before_previous, v)
             ? v1::BOTTLENECK_LABEL_UNDECIDED
             : label;
}

// Whether `snapshot` runs `graph`'s operators at the same parallelism.
bool SameParallelism(const v1::Snapshot& snapshot, const JobGraph& graph) {
  if (!SameOperators(snapshot, graph)) return false;
  for (int v = 0; v < graph.size(); ++v) {
    if (snapshot.operators(v).parallelism() != graph.op(v).parallelism()) return false;
  }
  return true;
}

// In Timely an operator at parallelism p runs on workers 0..p-1
// (docs/engines.md), so while every operator runs at parallelism 1 they
// all share worker 0, whose busy time is theirs summed: saturated at the
// threshold, however far below it each one reads. Measured on Timely q3
// and q8 at 6000 rec/s, 4 s in: their operators summed 981-999 ms/s while
// the source read 3,300-3,900 rec/s of 6,000, in all 36 runs of both
// policies (runs 19-21); DS2 acted then, the two-interval rule only at 6 s,
// with the backlog nearly doubled. Past the first scale-up, what each
// worker carries is not known from per-operator maxima and averages.
bool OneSharedWorkerSaturated(const JobGraph& graph, const LabelOptions& options) {
  double busy = 0;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    if (graph.op(v).parallelism() != 1 || !m.has_busy_ms_per_s_max()) return false;
    busy += m.busy_ms_per_s_max();
  }
  return busy >= options.saturated_busy_ms;
}

// Whether source `v` fell behind at this configuration: it read below its
// arrival over the last interval, and either its one worker is saturated
// (`worker_saturated`, evidence enough, as a saturated operator with a
// growing backlog is on Flink) or it also read below its arrival over the
// interval before, from `before_previous`, and its backlog now holds more
// than a second of arrival. Without the saturated worker one interval is not
// enough: the Timely sources' backlogs come and go in bursts (q5's windows)
// while the job keeps up, and the intervals after a change still hold it.
// A backlog under a second is no lag a restart could shorten: measured on
// Timely q5 at 4 instances, a burst took the backlog from 33 to 5,411
// records over two intervals (4 s) while the job kept 106% of its input
// over the run's second half.
bool FellBehind(const JobGraph& graph, const v1::Snapshot& previous,
                const v1::Snapshot* before_previous, bool worker_saturated, int v) {
  const v1::Snapshot& current = graph.snapshot();
  const std::optional<double> arrival = ArrivalWhileBehind(current, previous, v);
  if (!arrival.has_value()) return false;
  if (worker_saturated) return true;
  return before_previous != nullptr && SameParallelism(*before_previous, graph) &&
         ArrivalWhileBehind(previous, *before_previous, v).has_value() &&
         current.operators(v).metrics().pending_records() > *arrival;
}

// In Timely every worker runs its share of every operator, so an operator
// that holds its worker's time can read well below the saturation threshold
// while the job falls behind. Measured on Timely q8 at 6000 rec/s: the join
// at 857 ms/s shared its worker with the source and the two maps (59, 36
// and 37 ms/s, about 990 in all) while the source's backlog grew 2,400
// rec/s; it was labelled healthy for five windows, so the scale-up came
// late and the backlog it left needed a third join instance. When a source
// fell behind (FellBehind) at one configuration, the busiest operator
// (index returned) is where the job's time runs short; -1 when the job does
// not fall behind.
int BusiestWhileFallingBehind(const JobGraph& graph, const v1::Snapshot* previous,
                              const v1::Snapshot* before_previous,
                              const LabelOptions& options) {
  if (previous == nullptr || !SameParallelism(*previous, graph)) return -1;
  const bool worker_saturated = OneSharedWorkerSaturated(graph, options);
  bool behind = false;
  for (int v = 0; v < graph.size(); ++v) {
    behind |= graph.is_source(v) &&
              FellBehind(graph, *previous, before_previous, worker_saturated, v);
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
  // Job-wide, so judged once rather than per operator.
  const bool sources_keep_up = timely && !stabilising && SourcesKeepUp(graph, previous);
  std::vector<v1::OperatorLabel> labels(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    labels[v].set_operator_id(graph.op(v).id());
    if (stabilising) {
      labels[v].set_label(v1::BOTTLENECK_LABEL_STABILISING);
    } else {
      labels[v].set_label(timely ? TimelyLabel(graph, sources_keep_up, previous,
                                               before_previous, v, options)
                                 : FlinkLabel(graph, previous, v, options));
    }
  }
  if (timely && !stabilising &&
      std::none_of(labels.begin(), labels.end(), [](const v1::OperatorLabel& l) {
        return l.label() == v1::BOTTLENECK_LABEL_BOTTLENECK;
      })) {
    if (const int v =
            BusiestWhileFallingBehind(graph, previous, before_previous, options);
        v >= 0) {
      labels[v].set_label(v1::BOTTLENECK_LABEL_BOTTLENECK);
    }
  }
  return labels;
}

}  // namespace streamtune
