#include "client/flink/flink_source_backlog.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"

namespace streamtune::flink {
namespace {

// Operator-scoped names (Flink 1.20.3): FLIP-33's pendingRecords,
// currentEmitEventTimeLag and the operator's currentOutputWatermark; the
// Kinesis connectors' millisBehindLatest (per shard, under the operator).
constexpr absl::string_view kPendingSuffix = ".pendingRecords";
constexpr absl::string_view kMillisBehindSuffix = ".millisBehindLatest";
constexpr absl::string_view kEmitLagSuffix = ".currentEmitEventTimeLag";
constexpr absl::string_view kWatermarkSuffix = ".currentOutputWatermark";

// A lag beyond this many milliseconds (a year) is a placeholder or a clock
// gone wrong, not a backlog to size for.
constexpr double kMaxPlausibleLagMs = 365.0 * 24 * 3600 * 1000;

std::optional<double> PlausibleLag(std::optional<double> ms) {
  if (!ms.has_value() || *ms < 0 || *ms > kMaxPlausibleLagMs) return std::nullopt;
  return ms;
}

// Combines one more reading into `into` with `pick` (std::max, std::min).
template <typename Pick>
void Combine(std::optional<double> value, Pick pick, std::optional<double>* into) {
  if (!value.has_value()) return;
  *into = into->has_value() ? pick(**into, *value) : *value;
}

}  // namespace

bool IsSourceLagMetric(absl::string_view name) {
  return absl::EndsWith(name, kPendingSuffix) ||
         absl::EndsWith(name, kMillisBehindSuffix) ||
         absl::EndsWith(name, kEmitLagSuffix) || absl::EndsWith(name, kWatermarkSuffix);
}

SourceLagMetrics SourceLagMetricsFrom(const AggregatedMetrics& metrics) {
  auto larger = [](double a, double b) { return std::max(a, b); };
  auto smaller = [](double a, double b) { return std::min(a, b); };
  SourceLagMetrics out;
  for (const auto& [name, metric] : metrics) {
    if (absl::EndsWith(name, kPendingSuffix) && metric.sum.has_value()) {
      out.pending_records = out.pending_records.value_or(0) + *metric.sum;
    } else if (absl::EndsWith(name, kMillisBehindSuffix)) {
      Combine(PlausibleLag(metric.max), larger, &out.millis_behind_latest);
    } else if (absl::EndsWith(name, kEmitLagSuffix)) {
      Combine(PlausibleLag(metric.max), larger, &out.emit_event_time_lag_ms);
    } else if (absl::EndsWith(name, kWatermarkSuffix)) {
      // Long.MIN_VALUE (no watermark yet) and other non-positive values.
      std::optional<double> w = metric.min.has_value() ? metric.min : metric.avg;
      if (w.has_value() && *w > 0) Combine(w, smaller, &out.output_watermark_ms);
    }
  }
  // Finite sums can add up to infinity: that counts no records.
  if (out.pending_records.has_value() && !std::isfinite(*out.pending_records)) {
    out.pending_records.reset();
  }
  return out;
}

void FillSourceBacklog(const SourceLagMetrics& lag, int64_t now_ms,
                       std::optional<double> read_per_s, v1::OperatorMetrics* out) {
  if (lag.pending_records.has_value() && std::isfinite(*lag.pending_records)) {
    out->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
    out->set_pending_records(std::max(0.0, *lag.pending_records));
    out->clear_time_lag_s();
    return;
  }
  std::optional<double> lag_ms = lag.millis_behind_latest;
  if (!lag_ms.has_value()) lag_ms = lag.emit_event_time_lag_ms;
  if (!lag_ms.has_value() && lag.output_watermark_ms.has_value()) {
    lag_ms = PlausibleLag(static_cast<double>(now_ms) - *lag.output_watermark_ms);
  }
  if (lag_ms.has_value() && read_per_s.has_value() && *read_per_s >= 0) {
    const double lag_s = *lag_ms / 1000;
    // An infinite rate, or a product beyond a double, estimates nothing.
    const double estimate = lag_s * *read_per_s;
    if (std::isfinite(estimate)) {
      out->set_backlog_signal(v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
      out->set_time_lag_s(lag_s);
      out->set_pending_records(estimate);
      return;
    }
  }
  out->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  out->clear_pending_records();
  out->clear_time_lag_s();
}

}  // namespace streamtune::flink
