#include "client/flink/flink_snapshot.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace streamtune::flink {
namespace {

// Subtask metric names, as listed by Flink 1.20.3 for every task (checked
// against a live MiniCluster; see testdata/*_metric_names.json).
constexpr absl::string_view kBusy = "busyTimeMsPerSecond";
constexpr absl::string_view kBackpressured = "backPressuredTimeMsPerSecond";
constexpr absl::string_view kIdle = "idleTimeMsPerSecond";
constexpr absl::string_view kRecordsInRate = "numRecordsInPerSecond";
constexpr absl::string_view kRecordsOutRate = "numRecordsOutPerSecond";
constexpr absl::string_view kRecordsIn = "numRecordsIn";
constexpr absl::string_view kRecordsOut = "numRecordsOut";
constexpr absl::string_view kBusyTotal = "accumulateBusyTimeMs";
constexpr absl::string_view kIdleTotal = "accumulateIdleTimeMs";
constexpr absl::string_view kBackpressuredTotal = "accumulateBackPressuredTimeMs";

// The gauges' and meters' window in Flink (MeterView and TimerGauge
// DEFAULT_TIME_SPAN_IN_SECONDS, flink-metrics-core / flink-runtime 1.20.3).
constexpr double kFlinkMetricWindowS = 60;
constexpr double kMsPerSecond = 1000;

std::optional<double> Field(const AggregatedMetrics& metrics, absl::string_view name,
                            std::optional<double> AggregatedMetric::*field) {
  auto it = metrics.find(name);
  if (it == metrics.end()) return std::nullopt;
  return it->second.*field;
}

std::optional<double> Difference(std::optional<double> before,
                                 std::optional<double> after) {
  if (!before.has_value() || !after.has_value()) return std::nullopt;
  return *after - *before;
}

// A rate over the window when both samples have the counter, else the meter.
std::optional<double> WindowRate(std::optional<double> before,
                                 std::optional<double> after, double seconds,
                                 std::optional<double> meter) {
  if (seconds > 0) {
    if (auto delta = Difference(before, after); delta.has_value())
      return *delta / seconds;
  }
  return meter;
}

// A time in ms per second; rounding in Flink can step outside [0, 1000].
std::optional<double> MsPerSecond(std::optional<double> value) {
  if (!value.has_value()) return std::nullopt;
  return std::clamp(*value, 0.0, kMsPerSecond);
}

// Only record counters: Flink's accumulated busy time (now - start - idle -
// backpressured, TaskIOMetricGroup 1.20.3) steps back whenever an idle or
// backpressure period is booked, up to every 5 s.
bool CountersNotBackwards(const VertexMetrics& before, const VertexMetrics& after) {
  for (auto field : {&VertexMetrics::records_in, &VertexMetrics::records_out}) {
    if ((before.*field).has_value() && (after.*field).has_value() &&
        *(after.*field) < *(before.*field)) {
      return false;
    }
  }
  return true;
}

// The metrics of one operator: from counter differences over `seconds` when
// `b` (the window's start) is given, else from Flink's gauges and meters.
void FillMetrics(int parallelism, bool source, int64_t now_ms, const VertexMetrics& m,
                 const VertexMetrics* b, double seconds, v1::OperatorMetrics* out) {
  auto before_field = [b](std::optional<double> VertexMetrics::*f) {
    return b == nullptr ? std::nullopt : b->*f;
  };
  std::optional<double> in = WindowRate(before_field(&VertexMetrics::records_in),
                                        m.records_in, seconds, m.records_in_per_s);
  const std::optional<double> emitted =
      WindowRate(before_field(&VertexMetrics::records_out), m.records_out, seconds,
                 m.records_out_per_s);
  // Flink 1.20 reports numRecordsIn = 0 for source tasks (checked live):
  // what a source reads is what it emits.
  if (source) in = emitted;
  if (in.has_value() && *in >= 0) out->set_records_in_per_s(*in);
  if (emitted.has_value() && *emitted >= 0) out->set_records_out_per_s(*emitted);

  const double instance_seconds = seconds * parallelism;
  auto window_time = [&](std::optional<double> VertexMetrics::*total,
                         std::optional<double> gauge) -> std::optional<double> {
    if (instance_seconds > 0) {
      // Negative: a booking step (see CountersNotBackwards); use the gauge.
      if (auto d = Difference(before_field(total), m.*total);
          d.has_value() && *d >= 0) {
        return *d / instance_seconds;
      }
    }
    return gauge;
  };
  // The maximum over subtasks: a single subtask's is its average over
  // exactly our window; with more, Flink's gauge (up to 60 s), but never
  // below the window's average.
  auto window_max = [&](std::optional<double> avg, std::optional<double> gauge_max) {
    if (!avg.has_value()) return gauge_max;
    return std::optional<double>(
        parallelism == 1 ? *avg : std::max(gauge_max.value_or(0), *avg));
  };
  const std::optional<double> busy_avg =
      window_time(&VertexMetrics::busy_ms, m.busy_ms_per_s_avg);
  const std::optional<double> busy_max = window_max(busy_avg, m.busy_ms_per_s_max);
  const std::optional<double> backpressured_max =
      window_max(window_time(&VertexMetrics::backpressured_ms, std::nullopt),
                 m.backpressured_ms_per_s_max);
  if (auto t = MsPerSecond(busy_max)) out->set_busy_ms_per_s_max(*t);
  if (auto t = MsPerSecond(busy_avg)) out->set_busy_ms_per_s_avg(*t);
  if (auto t = MsPerSecond(backpressured_max)) {
    out->set_backpressured_ms_per_s_max(*t);
  }
  if (auto t = MsPerSecond(window_time(&VertexMetrics::idle_ms, m.idle_ms_per_s_avg))) {
    out->set_idle_ms_per_s_avg(*t);
  }
  if (source) FillSourceBacklog(m.source_lag, now_ms, in, out);
}

}  // namespace

std::vector<std::string> MetricsToRequest(const std::vector<std::string>& available) {
  const absl::flat_hash_set<absl::string_view> wanted = {
      kBusy,      kBackpressured, kIdle,      kRecordsInRate, kRecordsOutRate,
      kRecordsIn, kRecordsOut,    kBusyTotal, kIdleTotal,     kBackpressuredTotal};
  std::vector<std::string> out;
  for (const std::string& name : available) {
    if (wanted.contains(name) || IsSourceLagMetric(name)) out.push_back(name);
  }
  return out;
}

VertexMetrics VertexMetricsFrom(const AggregatedMetrics& metrics) {
  VertexMetrics out;
  out.busy_ms_per_s_max = Field(metrics, kBusy, &AggregatedMetric::max);
  out.busy_ms_per_s_avg = Field(metrics, kBusy, &AggregatedMetric::avg);
  out.backpressured_ms_per_s_max =
      Field(metrics, kBackpressured, &AggregatedMetric::max);
  out.idle_ms_per_s_avg = Field(metrics, kIdle, &AggregatedMetric::avg);
  out.records_in_per_s = Field(metrics, kRecordsInRate, &AggregatedMetric::sum);
  out.records_out_per_s = Field(metrics, kRecordsOutRate, &AggregatedMetric::sum);
  out.records_in = Field(metrics, kRecordsIn, &AggregatedMetric::sum);
  out.records_out = Field(metrics, kRecordsOut, &AggregatedMetric::sum);
  out.busy_ms = Field(metrics, kBusyTotal, &AggregatedMetric::sum);
  out.idle_ms = Field(metrics, kIdleTotal, &AggregatedMetric::sum);
  out.backpressured_ms = Field(metrics, kBackpressuredTotal, &AggregatedMetric::sum);
  out.source_lag = SourceLagMetricsFrom(metrics);
  return out;
}

int64_t MetricsTimeMs(const JobSample& sample) {
  return sample.metrics_at_ms.value_or(sample.job.now_ms);
}

bool SameRun(const JobSample& before, const JobSample& after) {
  const FlinkJob& a = before.job;
  const FlinkJob& b = after.job;
  if (a.id != b.id || a.running_since_ms != b.running_since_ms ||
      b.now_ms <= a.now_ms || MetricsTimeMs(after) <= MetricsTimeMs(before) ||
      a.vertices.size() != b.vertices.size()) {
    return false;
  }
  for (size_t i = 0; i < a.vertices.size(); ++i) {
    const FlinkVertex& va = a.vertices[i];
    const FlinkVertex& vb = b.vertices[i];
    if (va.id != vb.id || va.parallelism != vb.parallelism) return false;
    auto ma = before.metrics.find(va.id);
    auto mb = after.metrics.find(vb.id);
    if (ma != before.metrics.end() && mb != after.metrics.end() &&
        !CountersNotBackwards(ma->second, mb->second)) {
      return false;  // Subtasks restarted without the job noticing.
    }
  }
  return true;
}

v1::Partitioning PartitioningOf(absl::string_view ship_strategy) {
  if (ship_strategy == "FORWARD") return v1::PARTITIONING_FORWARD;
  if (ship_strategy == "HASH") return v1::PARTITIONING_HASH;
  if (ship_strategy == "BROADCAST") return v1::PARTITIONING_BROADCAST;
  if (ship_strategy == "REBALANCE" || ship_strategy == "RESCALE" ||
      ship_strategy == "SHUFFLE") {
    return v1::PARTITIONING_REBALANCE;
  }
  return v1::PARTITIONING_UNSPECIFIED;
}

absl::StatusOr<v1::Snapshot> BuildSnapshot(const JobSample& now,
                                           const JobSample* before,
                                           const std::vector<FlinkInput>& plan,
                                           const SnapshotOptions& options) {
  const FlinkJob& job = now.job;
  absl::flat_hash_set<std::string> ids;
  for (const FlinkVertex& v : job.vertices) ids.insert(v.id);
  absl::flat_hash_set<std::string> has_inputs, has_outputs, has_hash_input;
  for (const FlinkInput& input : plan) {
    if (!ids.contains(input.from) || !ids.contains(input.to)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "plan edge ", input.from, " -> ", input.to, " names a vertex the job lacks"));
    }
    has_inputs.insert(input.to);
    has_outputs.insert(input.from);
    if (input.ship_strategy == "HASH") has_hash_input.insert(input.to);
  }

  const bool windowed = before != nullptr && SameRun(*before, now);
  // Windows and the snapshot's time are the metrics' own instants.
  const int64_t at_ms = MetricsTimeMs(now);
  const double window_s = windowed ? (at_ms - MetricsTimeMs(*before)) / 1000.0 : 0;
  const double since_restart_s =
      std::max<int64_t>(0, at_ms - job.running_since_ms) / 1000.0;

  v1::Snapshot snapshot;
  snapshot.set_job_id(options.job_id);
  snapshot.set_snapshot_id(absl::StrCat("t", job.now_ms));
  snapshot.set_engine(v1::ENGINE_FLINK);
  snapshot.set_semantics(v1::METRIC_SEMANTICS_FLINK);
  snapshot.mutable_observed_at()->set_seconds(at_ms / 1000);
  snapshot.mutable_observed_at()->set_nanos(static_cast<int32_t>(at_ms % 1000) *
                                            1000000);
  // Without a window of our own, the values are Flink's: up to 60 s, less
  // right after a start.
  snapshot.set_window_s(
      windowed ? window_s : std::clamp(since_restart_s, 1.0, kFlinkMetricWindowS));
  snapshot.set_seconds_since_restart(since_restart_s);

  static const VertexMetrics kNothing;
  for (const FlinkVertex& vertex : job.vertices) {
    const bool source = !has_inputs.contains(vertex.id);
    auto found = now.metrics.find(vertex.id);
    const VertexMetrics& m = found == now.metrics.end() ? kNothing : found->second;
    const VertexMetrics* b = nullptr;
    if (windowed) {
      auto it = before->metrics.find(vertex.id);
      if (it != before->metrics.end()) b = &it->second;
    }

    v1::Operator* op = snapshot.add_operators();
    op->set_id(vertex.id);
    op->set_name(vertex.name);
    absl::string_view description;
    if (options.descriptions != nullptr) {
      auto it = options.descriptions->find(vertex.id);
      if (it != options.descriptions->end()) description = it->second;
    }
    op->set_kind(ResolveOperatorKind(
                     vertex.name, description, !source, has_outputs.contains(vertex.id),
                     has_hash_input.contains(vertex.id), options.kind_overrides)
                     .kind);
    op->set_parallelism(vertex.parallelism);
    int max_parallelism = vertex.max_parallelism;
    if (options.max_parallelism_cap > 0) {
      max_parallelism = std::max(
          vertex.parallelism, std::min(max_parallelism, options.max_parallelism_cap));
    }
    op->set_max_parallelism(max_parallelism);

    FillMetrics(vertex.parallelism, source, at_ms, m, b, b != nullptr ? window_s : 0,
                op->mutable_metrics());
  }

  absl::flat_hash_set<std::pair<std::string, std::string>> seen;
  for (const FlinkInput& input : plan) {
    if (!seen.insert({input.from, input.to}).second) continue;  // A stream used twice.
    v1::Edge* edge = snapshot.add_edges();
    edge->set_from(input.from);
    edge->set_to(input.to);
    edge->set_partitioning(PartitioningOf(input.ship_strategy));
  }
  return snapshot;
}

}  // namespace streamtune::flink
