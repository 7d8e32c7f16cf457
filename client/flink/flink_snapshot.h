// From Flink REST answers to an engine-neutral v1::Snapshot: which subtask
// metrics to ask for, what they mean, and how two samples of one run make
// the metrics of one window. Pure functions, no I/O.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_SNAPSHOT_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_SNAPSHOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "client/flink/flink_operator_kinds.h"
#include "client/flink/flink_rest.h"
#include "client/flink/flink_source_backlog.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::flink {

// What the client reads of one vertex, aggregated over its subtasks. Every
// field is nullopt when Flink did not report it (missing, NaN, null).
struct VertexMetrics {
  // Gauges over Flink's own window (TimerGauge: up to 60 s, partial windows
  // after a start are averaged correctly).
  std::optional<double> busy_ms_per_s_max;
  std::optional<double> busy_ms_per_s_avg;
  std::optional<double> backpressured_ms_per_s_max;
  std::optional<double> idle_ms_per_s_avg;
  // Meters (MeterView): count over the last 60 s divided by 60 even in the
  // first minute after a start, so they under-read then. A fallback only.
  std::optional<double> records_in_per_s;
  std::optional<double> records_out_per_s;
  // Counters since the subtasks started, summed over subtasks: two samples
  // of the same run give exact rates for any window.
  std::optional<double> records_in;
  std::optional<double> records_out;
  // Accumulated busy and idle time: Flink books an idle or backpressured
  // period when it ends or every 5 s, so over a window these are off by up
  // to 5 s per subtask (and busy time may even step back).
  std::optional<double> busy_ms;
  std::optional<double> idle_ms;
  std::optional<double> backpressured_ms;
  // Source backlog and time lags (flink_source_backlog.h).
  SourceLagMetrics source_lag;
};

// The metric names to request for a vertex, among `available` (Flink
// answers nothing at all when one requested name is missing, so only names
// it listed are asked for).
std::vector<std::string> MetricsToRequest(const std::vector<std::string>& available);

// Reads the answer to a request for MetricsToRequest's names.
VertexMetrics VertexMetricsFrom(const AggregatedMetrics& metrics);

// One observation of a job: its details and each vertex's metrics.
struct JobSample {
  FlinkJob job;
  absl::flat_hash_map<std::string, VertexMetrics> metrics;  // By vertex id.
  // The JobManager's clock when it collected `metrics` (running_since_ms
  // plus the job's runningTime gauge, read before and after the metrics
  // with the same value), or nullopt when unknown. The REST store is
  // refreshed asynchronously, so metrics may be up to a collection
  // interval older than job.now_ms, and by a different amount each time:
  // measured on the harness with one other REST client polling, windows
  // timed by job.now_ms read 909 and 1089 records/s for a steady 1000.
  std::optional<int64_t> metrics_at_ms = std::nullopt;
};

// When `sample`'s metrics were collected: metrics_at_ms, else job.now_ms.
int64_t MetricsTimeMs(const JobSample& sample);

// Whether `before` and `after` observe the same run of the job with the same
// vertices and parallelism, `after` later, and no counter went backwards:
// only then do their counter differences mean anything.
bool SameRun(const JobSample& before, const JobSample& after);

struct SnapshotOptions {
  std::string job_id;           // Snapshot.job_id.
  int max_parallelism_cap = 0;  // > 0: caps every operator's max_parallelism.
  // Operator kinds (ResolveOperatorKind): the plan's node descriptions by
  // vertex id, and the user's overrides; either may be nullptr.
  const absl::flat_hash_map<std::string, std::string>* descriptions = nullptr;
  const OperatorKindOverrides* kind_overrides = nullptr;
};

// The snapshot of `now`. With a `before` of the same run, rates and average
// busy, idle and backpressured time are those of the window between the two
// samples (a single subtask's maximum is its average);
// without one they fall back to Flink's meters and gauges. Operators are in
// the order of the job's vertices; edges come from `plan`. Sources report
// their read rate as records_in and their backlog as FillSourceBacklog says:
// measured, estimated from a time lag, or none (docs/engines.md).
// INVALID_ARGUMENT when the plan names vertices the job does not have.
absl::StatusOr<v1::Snapshot> BuildSnapshot(const JobSample& now,
                                           const JobSample* before,
                                           const std::vector<FlinkInput>& plan,
                                           const SnapshotOptions& options);

// The edge label of the DAG from the plan's ship strategy.
v1::Partitioning PartitioningOf(absl::string_view ship_strategy);

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_SNAPSHOT_H_
