#include "server/core/policies/flink_autoscaler/flink_autoscaler_policy.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/policies/flink_autoscaler/flink_autoscaler_timeline.h"

// How the stateless policy stands in for the operator's stored state, and how
// our snapshots map onto Flink's metrics (release 1.15.0 file names in []):
//
// - Samples. Every snapshot is one metric collection [ScalingMetricCollector].
//   The run of snapshot i began at observed_at - seconds_since_restart; only
//   snapshots of that run are its metric history (Flink drops the history
//   when the job restarts). Stabilisation ends stabilization_interval_s after
//   the run began; the window is full metrics_window_s after the first sample
//   at or after that, and then holds the samples of the last
//   metrics_window_s. When nothing older than the run is known (a new job,
//   or the server's history limit cut the run's beginning off), the engine is
//   assumed to have been sampled since it stabilised.
// - Rates. Flink differentiates accumulated counters between the window's
//   first and last sample; a snapshot carries window-average rates, so the
//   counter's growth between consecutive samples is taken as the later
//   sample's rate times the gap (exact when snapshots are window_s apart).
//   Like Flink, two samples are needed. Sources: NUM_RECORDS_IN =
//   records_in_per_s (records read), LAG = pending_records (0 when unset);
//   the lag rate is (last - first) / elapsed.
// - Busy time: LOAD = busy_ms_per_s_max / 1000 averaged over the samples
//   (the MAX busy-time aggregator, the default). Observed true processing
//   rate of a source (sampled while lag >= 30 s of input): records_in /
//   (1 - backpressured / 1000), with backpressured_ms_per_s_max standing in
//   for Flink's average over subtasks (equal when subtasks share the load).
// - Edges: Flink does not use our edge `fraction`; it infers each edge's
//   output ratio from the vertices' input and output rates, and so do we.
// - Delayed scale-downs [DelayedScaleDown]: replayed. Every earlier snapshot
//   after the last rescale is re-evaluated with the same code; a vertex that
//   wanted a scale-down records (time, parallelism, outside-band) and keeps
//   its first request time; one that wanted no change or more clears its
//   record. A rescale clears all records: a recommendation answering
//   snapshot i with apply and a change (cleared after i's evaluation, as
//   ScalingExecutor does), or any parallelism change between consecutive
//   snapshots. Restarts without a change keep them, as in Flink.
// - Not modelled because off by default or without metrics here: tracked
//   restart times, observed scalability, ineffective-scale-up blocking,
//   memory tuning and GC/heap pressure, quotas, excluded periods and
//   vertices, Kafka/Pulsar partition alignment of sources. Durations are not
//   truncated to whole seconds as Java's Duration.toSeconds() would.

namespace streamtune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Java's Math.round for finite values.
double JavaRound(double x) { return std::isfinite(x) ? std::floor(x + 0.5) : x; }

FlinkAutoscalerOptions Scaled(FlinkAutoscalerOptions o) {
  if (!(o.time_scale > 0)) o.time_scale = 1;
  for (double* w : {&o.metrics_window_s, &o.stabilization_interval_s,
                    &o.catch_up_duration_s, &o.restart_time_s, &o.scale_down_interval_s,
                    &o.backlog_lag_threshold_s, &o.observed_tpr_lag_threshold_s}) {
    *w /= o.time_scale;
  }
  return o;
}

double InRate(const v1::OperatorMetrics& m) {
  return m.has_records_in_per_s() ? m.records_in_per_s() : kNaN;
}
double OutRate(const v1::OperatorMetrics& m) {
  return m.has_records_out_per_s() ? m.records_out_per_s() : kNaN;
}
double Load(const v1::OperatorMetrics& m) {
  return m.has_busy_ms_per_s_max() ? m.busy_ms_per_s_max() / 1000 : kNaN;
}
double Lag(const v1::OperatorMetrics& m) {
  return m.has_pending_records() ? m.pending_records() : 0.0;
}

enum class Readiness {
  kReady,
  kStabilising,
  kWindowFilling,
  kTooFewSamples,
  kNoSourceRate
};

// One vertex's evaluated metrics and computed parallelism at one snapshot.
struct VertexEval {
  bool evaluated = false;
  std::string missing;  // Why not evaluated.
  int current = 0;
  int computed = 0;
  double target = kNaN;    // λ, records/s.
  double catch_up = kNaN;  // Backlog catch-up rate, records/s.
  double tpr = kNaN;
  bool observed_tpr = false;
  double capacity = kNaN;
  double restart_rate = 0;
  double up_threshold = kNaN;
  double down_threshold = kNaN;
  double factor = kNaN;
  bool outside = false;
};

struct PointEval {
  Readiness readiness = Readiness::kReady;
  double ready_at = 0;  // When the metrics window fills (not ready only).
  int samples = 0;
  std::string backlog;     // Non-empty while processing backlog: why.
  std::string bad_source;  // kNoSourceRate: the source without a rate.
  double band_low = 0, band_high = 1;
  std::vector<VertexEval> vertices;  // In the snapshot's operator order.
};

// ScalingMetricEvaluator + JobVertexScaler over the FlinkTimeline.
class Evaluator {
 public:
  Evaluator(const FlinkTimeline& tl, const FlinkAutoscalerOptions& o) : tl_(tl), o_(o) {
    ComputeObservedTpr();
  }

  PointEval Evaluate(int i) const;

 private:
  double WindowFullTime(int i) const {
    const int begin = tl_.RunBegin(i);
    const double stable = tl_.run_start(i) + o_.stabilization_interval_s;
    if (begin == 0 && stable < tl_.time(0) - kTimelineEpsilonS)
      return stable + o_.metrics_window_s;
    for (int j = begin; j <= i; ++j) {
      if (tl_.time(j) >= stable - kTimelineEpsilonS)
        return tl_.time(j) + o_.metrics_window_s;
    }
    return kInf;
  }
  bool WindowFull(int i) const {
    return tl_.time(i) >= WindowFullTime(i) - kTimelineEpsilonS;
  }
  std::vector<int> WindowSamples(int i) const {
    std::vector<int> out;
    for (int j = tl_.RunBegin(i); j <= i; ++j) {
      if (tl_.time(j) >= tl_.time(i) - o_.metrics_window_s - kTimelineEpsilonS)
        out.push_back(j);
    }
    return out;
  }

  // Value of vertex `id` in sample j via `get`; NaN when absent.
  template <typename Get>
  double At(int j, const std::string& id, Get get) const {
    const v1::Operator* op = tl_.Find(j, id);
    return op == nullptr ? kNaN : get(j, *op);
  }
  // Flink's getRate of an accumulated counter (see the header comment).
  template <typename Get>
  double CounterRate(const std::vector<int>& s, const std::string& id, Get get) const {
    double growth = 0, first = kNaN, last = kNaN;
    for (int j : s) {
      const double v = At(j, id, get);
      if (std::isnan(v)) continue;
      if (!std::isnan(last)) growth += v * (tl_.time(j) - last);
      if (std::isnan(first)) first = tl_.time(j);
      last = tl_.time(j);
    }
    if (std::isnan(first) || last == first) return kNaN;
    return growth / std::max(last - first, 1e-3);
  }
  // Flink's getRate of a value sampled as is (the lag).
  template <typename Get>
  double ValueRate(const std::vector<int>& s, const std::string& id, Get get) const {
    int first = -1, last = -1;
    for (int j : s) {
      if (std::isnan(At(j, id, get))) continue;
      (first < 0 ? first : last) = j;
    }
    if (last < 0) return kNaN;
    return (At(last, id, get) - At(first, id, get)) /
           std::max(tl_.time(last) - tl_.time(first), 1e-3);
  }
  // Flink's getAverage: NaN skipped, infinity only when nothing else.
  template <typename Get>
  double Average(const std::vector<int>& s, const std::string& id, Get get,
                 int min_elements = 1) const {
    double sum = 0;
    int n = 0;
    bool infinite = false;
    for (int j : s) {
      const double v = At(j, id, get);
      if (std::isnan(v)) continue;
      if (std::isinf(v)) {
        infinite = true;
        continue;
      }
      sum += v;
      ++n;
    }
    if (n == 0) return infinite ? kInf : kNaN;
    return n < min_elements ? kNaN : sum / n;
  }
  static auto Field(double (*f)(const v1::OperatorMetrics&)) {
    return [f](int, const v1::Operator& op) { return f(op.metrics()); };
  }
  auto Observed() const {
    return [this](int j, const v1::Operator& op) {
      auto it = observed_[j].find(op.id());
      return it == observed_[j].end() ? kNaN : it->second;
    };
  }

  // ScalingMetrics#getObservedTpr per sample, in time order, falling back
  // to the average over the metric history held at that collection.
  void ComputeObservedTpr();
  double EdgeOutputRatio(const JobGraph& g, const std::vector<int>& s, int from,
                         int to) const;
  // AutoScalerUtils#getTargetProcessingCapacity.
  double Capacity(double target, double catch_up, double utilization,
                  bool with_restart) const {
    if (std::isnan(catch_up) || std::isnan(target)) return kNaN;
    utilization = std::clamp(utilization, 0.0, 1.0);
    if (utilization == 0) return kInf;
    return JavaRound(catch_up + RestartRate(target, with_restart) +
                     target / utilization);
  }
  double RestartRate(double target, bool with_restart) const {
    if (!with_restart || o_.catch_up_duration_s == 0) return 0;
    return target * o_.restart_time_s / o_.catch_up_duration_s;
  }
  void ScaleVertex(const JobGraph& g, int v, const PointEval& p, VertexEval& e) const;

  const FlinkTimeline& tl_;
  const FlinkAutoscalerOptions& o_;
  std::vector<absl::flat_hash_map<std::string, double>> observed_;
};

void Evaluator::ComputeObservedTpr() {
  observed_.resize(tl_.size());
  for (int j = 0; j < tl_.size(); ++j) {
    const int begin = tl_.RunBegin(j);
    // The metric history before this collection: trimmed to the window by
    // the previous collection once that one found the window full.
    const bool trimmed = j - 1 >= begin && WindowFull(j - 1);
    std::vector<int> held;
    for (int k = begin; k < j; ++k) {
      if (!trimmed ||
          tl_.time(k) >= tl_.time(j - 1) - o_.metrics_window_s - kTimelineEpsilonS) {
        held.push_back(k);
      }
    }
    const JobGraph graph(tl_.snap(j));
    for (int v = 0; v < graph.size(); ++v) {
      if (!graph.is_source(v)) continue;
      const v1::Operator& op = graph.op(v);
      const double in = InRate(op.metrics());
      if (std::isnan(in)) continue;
      double value = kNaN;
      if (in == 0) {
        value = kInf;
      } else if (Lag(op.metrics()) >= o_.observed_tpr_lag_threshold_s * in &&
                 op.metrics().has_backpressured_ms_per_s_max() &&
                 op.metrics().backpressured_ms_per_s_max() < 1000) {
        value = in / (1 - op.metrics().backpressured_ms_per_s_max() / 1000);
      }
      if (std::isnan(value)) {
        value = Average(held, op.id(), Observed(), o_.observed_tpr_min_observations);
      }
      observed_[j][op.id()] = value;
    }
  }
}

double Evaluator::EdgeOutputRatio(const JobGraph& g, const std::vector<int>& s,
                                  int from, int to) const {
  const std::string& from_id = g.op(from).id();
  const double in_rate = CounterRate(s, from_id, Field(InRate));
  if (!(in_rate > 0)) return 0;
  absl::flat_hash_set<int> producers;
  for (int e : g.input_edges(to)) producers.insert(g.producer(e));
  const double to_in = CounterRate(s, g.op(to).id(), Field(InRate));
  double edge_rate;
  if (producers.size() == 1) {
    edge_rate = to_in;
  } else {
    // Subtract what the other producers send, when each has this one output.
    double others = 0;
    for (int w : producers) {
      if (w == from) continue;
      absl::flat_hash_set<int> consumers;
      for (int e : g.output_edges(w)) consumers.insert(g.consumer(e));
      if (consumers.size() != 1) {
        others = kNaN;
        break;
      }
      others += CounterRate(s, g.op(w).id(), Field(OutRate));
    }
    edge_rate =
        std::isnan(others) ? CounterRate(s, from_id, Field(OutRate)) : to_in - others;
  }
  return edge_rate > 0 ? edge_rate / in_rate : 0;
}

PointEval Evaluator::Evaluate(int i) const {
  PointEval p;
  if (!WindowFull(i)) {
    const double stable = tl_.run_start(i) + o_.stabilization_interval_s;
    p.readiness = tl_.time(i) < stable - kTimelineEpsilonS ? Readiness::kStabilising
                                                           : Readiness::kWindowFilling;
    p.ready_at = WindowFullTime(i);
    return p;
  }
  const std::vector<int> s = WindowSamples(i);
  p.samples = static_cast<int>(s.size());
  if (s.size() < 2) {
    p.readiness = Readiness::kTooFewSamples;
    return p;
  }
  const JobGraph g(tl_.snap(i));
  const int n = g.size();
  std::vector<double> in_rate(n), target(n, kNaN), catch_up(n, kNaN);
  for (int v = 0; v < n; ++v) in_rate[v] = CounterRate(s, g.op(v).id(), Field(InRate));
  for (int v : g.topological_order()) {
    const std::string& id = g.op(v).id();
    if (g.is_source(v)) {
      const double ingestion = in_rate[v] + ValueRate(s, id, Field(Lag));
      if (std::isnan(ingestion)) {
        p.readiness = Readiness::kNoSourceRate;
        p.bad_source = id;
        return p;
      }
      target[v] = std::max(0.0, ingestion);
      const double lag = Lag(g.op(v).metrics());
      catch_up[v] = o_.catch_up_duration_s == 0 ? 0 : lag / o_.catch_up_duration_s;
      const double lag_s = lag / in_rate[v];
      if (p.backlog.empty() && lag_s > o_.backlog_lag_threshold_s) {
        p.backlog = absl::StrFormat("source %s lags %.0f s of input (> %.0f s)", id,
                                    lag_s, o_.backlog_lag_threshold_s);
      }
      continue;
    }
    absl::flat_hash_set<int> producers;
    target[v] = catch_up[v] = 0;
    for (int e : g.input_edges(v)) {
      const int u = g.producer(e);
      if (!producers.insert(u).second) continue;
      const double ratio = EdgeOutputRatio(g, s, u, v);
      target[v] += target[u] * ratio;
      catch_up[v] += catch_up[u] * ratio;
    }
  }
  if (!p.backlog.empty()) {
    p.band_low = 0;  // No scale-down for under-use while working off lag.
    p.band_high = 1;
  } else {
    p.band_low = o_.utilization_min >= 0
                     ? o_.utilization_min
                     : o_.target_utilization - o_.utilization_boundary;
    p.band_high = o_.utilization_max >= 0
                      ? o_.utilization_max
                      : o_.target_utilization + o_.utilization_boundary;
  }
  p.vertices.resize(n);
  for (int v = 0; v < n; ++v) {
    VertexEval& e = p.vertices[v];
    const std::string& id = g.op(v).id();
    e.current = e.computed = g.op(v).parallelism();
    e.target = target[v];
    e.catch_up = catch_up[v];
    const double busy_ms = Average(s, id, Field(Load)) * 1000;
    const double busy_tpr = in_rate[v] == 0 ? kInf : in_rate[v] / (busy_ms / 1000);
    const double observed =
        Average(s, id, Observed(), o_.observed_tpr_min_observations);
    e.observed_tpr = !std::isnan(observed) &&
                     (!std::isfinite(busy_tpr) ||
                      busy_tpr > observed * (1 + o_.observed_tpr_switch_threshold));
    e.tpr = e.observed_tpr ? observed : busy_tpr;
    ScaleVertex(g, v, p, e);
  }
  return p;
}

// JobVertexScaler#computeScaleTargetParallelism up to the blocking checks.
void Evaluator::ScaleVertex(const JobGraph& g, int v, const PointEval& p,
                            VertexEval& e) const {
  if (std::isnan(e.tpr)) {
    e.missing = "no true processing rate (busy time or input rate missing)";
    return;
  }
  e.capacity = Capacity(e.target, e.catch_up, o_.target_utilization, true);
  if (std::isnan(e.capacity)) {
    e.missing = "no target data rate";
    return;
  }
  e.restart_rate = RestartRate(e.target, true);
  e.up_threshold = Capacity(e.target, e.catch_up, p.band_high, false);
  e.down_threshold = Capacity(e.target, e.catch_up, p.band_low, true);
  e.outside = e.tpr < e.up_threshold || e.tpr > e.down_threshold;
  e.factor = e.capacity / e.tpr;
  if (std::isnan(e.factor)) {
    e.missing = "target and true processing rate both unbounded";
    return;
  }
  if (e.factor < 1 - o_.max_scale_down_factor) {
    e.factor = 1 - o_.max_scale_down_factor;
  } else if (e.factor > 1 + o_.max_scale_up_factor) {
    e.factor = 1 + o_.max_scale_up_factor;
  }
  e.evaluated = true;
  const v1::Operator& op = g.op(v);
  e.computed = FlinkAutoscalerParallelism(
      e.current, g.has_hash_input(v), op.max_parallelism(), e.factor,
      std::min(e.current, o_.vertex_min_parallelism),
      std::max(e.current, o_.vertex_max_parallelism), o_.adjust_mode);
}

// DelayedScaleDown of one vertex: the first request time and the requests
// of the interval with strictly decreasing parallelism.
struct Request {
  double time;
  int parallelism;
  bool outside;
};
struct Delayed {
  double first_request;
  std::deque<Request> requests;
};
using DelayedMap = absl::flat_hash_map<std::string, Delayed>;

void RecordScaleDowns(const JobGraph& g, const PointEval& p, double t, DelayedMap& d) {
  for (int v = 0; v < g.size(); ++v) {
    const VertexEval& e = p.vertices[v];
    if (!e.evaluated) continue;
    const std::string& id = g.op(v).id();
    if (e.computed >= e.current) {
      d.erase(id);
      continue;
    }
    Delayed& info = d.try_emplace(id, Delayed{t, {}}).first->second;
    while (!info.requests.empty() && info.requests.back().parallelism <= e.computed) {
      info.requests.pop_back();
    }
    info.requests.push_back({t, e.computed, e.outside});
  }
}

std::string Describe(const VertexEval& e, const PointEval& p,
                     const FlinkAutoscalerOptions& o) {
  const double utilisation = std::isfinite(e.tpr) && e.tpr > 0 ? e.target / e.tpr : 0;
  return absl::StrFormat(
      "utilisation %.2f (target %.0f rec/s, %s true rate %.0f rec/s) %s [%.2f, "
      "%.2f] (true-rate bounds [%.0f, %.0f]); needs %.0f rec/s = %.0f backlog + "
      "%.0f restart + %.0f / %.2f: x%.2f",
      utilisation, e.target, e.observed_tpr ? "observed" : "busy-time", e.tpr,
      e.outside ? "outside" : "inside", p.band_low, p.band_high, e.up_threshold,
      e.down_threshold, e.capacity, e.catch_up, e.restart_rate, e.target,
      o.target_utilization, e.factor);
}

v1::Recommendation KeepAll(const v1::Snapshot& s, const std::string& why) {
  v1::Recommendation r;
  for (const auto& op : s.operators()) {
    auto* out = r.add_operators();
    out->set_operator_id(op.id());
    out->set_current_parallelism(op.parallelism());
    out->set_recommended_parallelism(op.parallelism());
    out->set_reason(why);
  }
  r.set_reason(why);
  return r;
}

}  // namespace

FlinkAutoscalerPolicy::FlinkAutoscalerPolicy(const FlinkAutoscalerOptions& options)
    : options_(Scaled(options)) {}

namespace {

// Why the newest snapshot cannot be evaluated yet, or nullopt when it can.
std::optional<std::string> NotReadyReason(const v1::Snapshot& now,
                                          const PointEval& current,
                                          const FlinkTimeline& tl,
                                          const FlinkAutoscalerOptions& o) {
  switch (current.readiness) {
    case Readiness::kReady:
      return std::nullopt;
    case Readiness::kStabilising:
      return absl::StrFormat(
          "stabilising: %.0f s since restart, stabilisation %.0f s, then a %.0f s "
          "metrics window",
          now.seconds_since_restart(), o.stabilization_interval_s, o.metrics_window_s);
    case Readiness::kWindowFilling:
      return absl::StrFormat(
          "metrics window filling: full in %.0f s (window %.0f s after stabilisation)",
          current.ready_at - tl.time(tl.last()), o.metrics_window_s);
    case Readiness::kTooFewSamples:
      return absl::StrFormat(
          "need two snapshots of this run in the %.0f s metrics window, have %d",
          o.metrics_window_s, current.samples);
    case Readiness::kNoSourceRate:
      return absl::StrCat("no ingestion rate for source ", current.bad_source,
                          ": cannot evaluate");
  }
  return std::nullopt;
}

// The scale-downs requested since the last rescale (or applied answer),
// replayed from the timeline, the newest evaluation included.
DelayedMap ReplayScaleDowns(const FlinkTimeline& tl, const Evaluator& ev,
                            const PointEval& current, const JobGraph& graph) {
  const int last = tl.last();
  int start = 0;
  for (int i = 1; i <= last; ++i) {
    if (tl.Rescaled(i)) start = i;
  }
  for (int i = 0; i < last; ++i) {
    if (tl.applied(i)) start = std::max(start, i + 1);
  }
  DelayedMap delayed;
  for (int i = start; i < last; ++i) {
    const PointEval past = ev.Evaluate(i);
    if (past.readiness == Readiness::kReady) {
      RecordScaleDowns(JobGraph(tl.snap(i)), past, tl.time(i), delayed);
    }
  }
  RecordScaleDowns(graph, current, tl.time(last), delayed);
  return delayed;
}

// The operators' targets, sorted by what they mean for the decision.
struct TargetLists {
  std::vector<std::string> changes;   // "op a->b" for every changing operator
  std::vector<std::string> outside;   // changing operators outside the band
  std::vector<std::string> withheld;  // changes of operators inside the band
  std::vector<std::string> waiting;   // scale-downs still inside their delay
};

// Sets `out` (already holding the operator and its current parallelism) to
// the vertex's target: a scale-up at once, a scale-down only after the
// scale-down interval and then to the highest request of that interval.
void TargetVertex(const v1::Operator& op, const VertexEval& e, const PointEval& current,
                  double t_now, const FlinkAutoscalerOptions& o, DelayedMap& delayed,
                  v1::OperatorRecommendation* out, TargetLists* lists) {
  if (!e.evaluated) {
    out->set_reason(e.missing);
    return;
  }
  std::string reason = Describe(e, current, o);
  int target = e.computed;
  bool target_outside = e.outside;
  if (e.computed == e.current) {
    absl::StrAppend(&reason, absl::StrFormat(" -> stays at %d", e.current));
  } else if (e.computed > e.current) {
    absl::StrAppend(&reason, absl::StrFormat(" -> %d", e.computed));
  } else if (o.scale_down_interval_s > 0) {
    Delayed& d = delayed.at(op.id());
    const double window_start = t_now - o.scale_down_interval_s;
    if (d.first_request > window_start + kTimelineEpsilonS) {
      absl::StrAppend(
          &reason,
          absl::StrFormat(
              " -> %d, scale-down delayed: requested %.0f s ago, interval %.0f s",
              e.computed, t_now - d.first_request, o.scale_down_interval_s));
      lists->waiting.push_back(absl::StrFormat("%s (%.0f of %.0f s)", op.id(),
                                               t_now - d.first_request,
                                               o.scale_down_interval_s));
      out->set_reason(reason);
      return;
    }
    while (d.requests.front().time < window_start - kTimelineEpsilonS)
      d.requests.pop_front();
    target = d.requests.front().parallelism;
    target_outside = d.requests.front().outside;
    absl::StrAppend(
        &reason,
        absl::StrFormat(" -> %d; scale-down requested for %.0f s: %d, the highest "
                        "request of the last %.0f s",
                        e.computed, t_now - d.first_request, target,
                        o.scale_down_interval_s));
  }
  out->set_reason(reason);
  if (target == e.current) return;
  out->set_recommended_parallelism(target);
  const std::string change = absl::StrFormat("%s %d->%d", op.id(), e.current, target);
  lists->changes.push_back(change);
  if (target_outside) {
    lists->outside.push_back(
        absl::StrFormat("%s (utilisation %.2f)", op.id(),
                        std::isfinite(e.tpr) && e.tpr > 0 ? e.target / e.tpr : 0));
  } else {
    lists->withheld.push_back(change);
  }
}

// The answer's reason; scales (sets apply) only when a changing vertex left
// its utilisation band.
void DecideScaling(const TargetLists& lists, const PointEval& current,
                   v1::Recommendation* answer) {
  const std::string band =
      absl::StrFormat("[%.2f, %.2f]", current.band_low, current.band_high);
  std::string why;
  if (lists.changes.empty()) {
    why = absl::StrCat(lists.waiting.empty()
                           ? "every operator is at its target parallelism"
                           : "no change now",
                       " (band ", band, ")");
  } else if (lists.outside.empty()) {
    why = absl::StrCat("no changing operator is outside the utilisation band ", band,
                       ": not scaling (", absl::StrJoin(lists.withheld, ", "), ")");
  } else {
    answer->set_apply(true);
    why = absl::StrCat("scaling ", absl::StrJoin(lists.changes, ", "), "; outside ",
                       band, ": ", absl::StrJoin(lists.outside, ", "));
  }
  if (!lists.waiting.empty()) {
    absl::StrAppend(&why, "; scale-down delayed for ",
                    absl::StrJoin(lists.waiting, ", "));
  }
  if (!current.backlog.empty())
    absl::StrAppend(&why, "; processing backlog: ", current.backlog);
  answer->set_reason(why);
}

}  // namespace

absl::StatusOr<v1::Recommendation> FlinkAutoscalerPolicy::Recommend(
    const PolicyInput& input) const {
  const FlinkTimeline tl(input);
  const Evaluator ev(tl, options_);
  const PointEval current = ev.Evaluate(tl.last());
  if (std::optional<std::string> not_ready =
          NotReadyReason(input.graph.snapshot(), current, tl, options_)) {
    return KeepAll(input.graph.snapshot(), *not_ready);
  }
  const JobGraph& g = input.graph;
  DelayedMap delayed = ReplayScaleDowns(tl, ev, current, g);
  v1::Recommendation answer;
  TargetLists lists;
  for (int v = 0; v < g.size(); ++v) {
    const v1::Operator& op = g.op(v);
    v1::OperatorRecommendation* out = answer.add_operators();
    out->set_operator_id(op.id());
    out->set_current_parallelism(op.parallelism());
    out->set_recommended_parallelism(op.parallelism());
    TargetVertex(op, current.vertices[v], current, tl.time(tl.last()), options_,
                 delayed, out, &lists);
  }
  DecideScaling(lists, current, &answer);
  return answer;
}

}  // namespace streamtune
