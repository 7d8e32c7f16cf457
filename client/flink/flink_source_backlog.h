// A Flink source's backlog for the snapshot (docs/engines.md, "Source
// backlog"): FLIP-33 pendingRecords when the source reports it, else an
// estimate from a time lag (millisBehindLatest, currentEmitEventTimeLag or
// the output watermark's lag) times the source's read rate, else "none".
// Pure functions, no I/O.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_SOURCE_BACKLOG_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_SOURCE_BACKLOG_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "client/flink/flink_rest.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::flink {

// What a source reports about how far behind it reads. Every field is
// nullopt when Flink did not report it or reported a placeholder (Flink
// writes -1 or Long.MIN_VALUE for "no record or watermark yet").
struct SourceLagMetrics {
  // Summed over subtasks; nullopt when the sum is not finite.
  std::optional<double> pending_records;
  // Milliseconds, the largest over subtasks (the furthest behind).
  std::optional<double> millis_behind_latest;
  std::optional<double> emit_event_time_lag_ms;
  // Epoch milliseconds, the smallest over subtasks.
  std::optional<double> output_watermark_ms;
};

// Whether `name` is a subtask metric this file reads (operator-scoped,
// e.g. "Source__events.pendingRecords").
bool IsSourceLagMetric(absl::string_view name);

// Reads the answer to a request that asked for IsSourceLagMetric names with
// the min, max and sum aggregates.
SourceLagMetrics SourceLagMetricsFrom(const AggregatedMetrics& metrics);

// Sets backlog_signal, pending_records and time_lag_s of a source observed
// at `now_ms` (the JobManager's clock) reading `read_per_s` records per
// second (nullopt: unknown). The first that applies:
//  - pendingRecords (finite): PENDING_RECORDS, the sum over subtasks;
//  - a time lag (millisBehindLatest, else currentEmitEventTimeLag, else
//    now - currentOutputWatermark) and a read rate >= 0 whose product is
//    finite: TIME_LAG_ESTIMATE, lag_s × read_per_s;
//  - otherwise NONE, pending_records unset: unknown, never 0.
// A backlog that is set is finite and >= 0 (what the service accepts).
void FillSourceBacklog(const SourceLagMetrics& lag, int64_t now_ms,
                       std::optional<double> read_per_s, v1::OperatorMetrics* out);

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_SOURCE_BACKLOG_H_
