// Fuzzes a Flink source's backlog (client/flink/flink_source_backlog.h):
// an aggregated-metrics answer, as the client reads it with
// ParseAggregatedMetrics, through SourceLagMetricsFrom and FillSourceBacklog
// at a JobManager clock and read rate. Properties:
//  - SourceLagMetricsFrom equals an independent re-statement of the header:
//    pendingRecords summed, millisBehindLatest and currentEmitEventTimeLag
//    the largest plausible max (in [0, a year] ms), the output watermark the
//    smallest positive min (else avg); IsSourceLagMetric agrees with it;
//  - FillSourceBacklog sets a signal of PENDING_RECORDS, TIME_LAG_ESTIMATE or
//    NONE, and the one the header's order says for these metrics: pending
//    records when summed, else a time lag (millisBehindLatest, else the emit
//    lag, else now - watermark) with a read rate, else NONE;
//  - a backlog is finite and >= 0 when set; NONE leaves it unset (unknown,
//    never 0) and has no time lag; an estimate's time_lag_s is the lag used
//    and its backlog is time_lag_s x the read rate.
//
// Input: a first line "<now_ms> <read_per_s>" (read_per_s "-" or missing
// for an unknown rate; any strtod text, so NaN, inf and 1e308 too), then
// the metrics answer's body.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/flink/flink_rest.h"
#include "client/flink/flink_source_backlog.h"
#include "fuzz/fuzz_check.h"

namespace streamtune::flink {
namespace {

constexpr double kYearMs = 365.0 * 24 * 3600 * 1000;

std::string Text(std::optional<double> v) {
  return v.has_value() ? absl::StrCat(*v) : std::string("nullopt");
}

bool SameOptional(std::optional<double> a, std::optional<double> b) {
  return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
}

SourceLagMetrics Expected(const AggregatedMetrics& metrics) {
  SourceLagMetrics out;
  auto larger = [](std::optional<double>* into, double v) {
    if (!into->has_value() || v > **into) *into = v;
  };
  for (const auto& [name, m] : metrics) {
    const bool lag_metric = absl::EndsWith(name, ".pendingRecords") ||
                            absl::EndsWith(name, ".millisBehindLatest") ||
                            absl::EndsWith(name, ".currentEmitEventTimeLag") ||
                            absl::EndsWith(name, ".currentOutputWatermark");
    FUZZ_REQUIRE(IsSourceLagMetric(name) == lag_metric, name);
    if (absl::EndsWith(name, ".pendingRecords")) {
      if (m.sum.has_value())
        out.pending_records = out.pending_records.value_or(0) + *m.sum;
    } else if (absl::EndsWith(name, ".millisBehindLatest")) {
      if (m.max.has_value() && *m.max >= 0 && *m.max <= kYearMs) {
        larger(&out.millis_behind_latest, *m.max);
      }
    } else if (absl::EndsWith(name, ".currentEmitEventTimeLag")) {
      if (m.max.has_value() && *m.max >= 0 && *m.max <= kYearMs) {
        larger(&out.emit_event_time_lag_ms, *m.max);
      }
    } else if (absl::EndsWith(name, ".currentOutputWatermark")) {
      const std::optional<double> w = m.min.has_value() ? m.min : m.avg;
      if (w.has_value() && *w > 0 &&
          (!out.output_watermark_ms.has_value() || *w < *out.output_watermark_ms)) {
        out.output_watermark_ms = w;
      }
    }
  }
  // Finite sums can overflow: that counts no records.
  if (out.pending_records.has_value() && !std::isfinite(*out.pending_records)) {
    out.pending_records.reset();
  }
  return out;
}

void Check(const AggregatedMetrics& metrics, int64_t now_ms,
           std::optional<double> read_per_s) {
  const SourceLagMetrics lag = SourceLagMetricsFrom(metrics);
  const SourceLagMetrics expected = Expected(metrics);
  FUZZ_REQUIRE(SameOptional(lag.pending_records, expected.pending_records),
               Text(lag.pending_records) + " vs " + Text(expected.pending_records));
  FUZZ_REQUIRE(SameOptional(lag.millis_behind_latest, expected.millis_behind_latest),
               Text(lag.millis_behind_latest));
  FUZZ_REQUIRE(
      SameOptional(lag.emit_event_time_lag_ms, expected.emit_event_time_lag_ms),
      Text(lag.emit_event_time_lag_ms));
  FUZZ_REQUIRE(SameOptional(lag.output_watermark_ms, expected.output_watermark_ms),
               Text(lag.output_watermark_ms));

  v1::OperatorMetrics out;
  FillSourceBacklog(lag, now_ms, read_per_s, &out);
  const std::string what = absl::StrCat(
      v1::BacklogSignal_Name(out.backlog_signal()), " pending ",
      out.has_pending_records() ? absl::StrCat(out.pending_records()) : "unset",
      " lag_s ", out.has_time_lag_s() ? absl::StrCat(out.time_lag_s()) : "unset",
      " now ", now_ms, " read ", Text(read_per_s));
  if (out.has_pending_records()) {
    FUZZ_REQUIRE(std::isfinite(out.pending_records()) && out.pending_records() >= 0,
                 what);
  }
  if (out.has_time_lag_s()) {
    FUZZ_REQUIRE(std::isfinite(out.time_lag_s()) && out.time_lag_s() >= 0, what);
  }

  // The time lag the header says is used, when there is one.
  std::optional<double> lag_ms = lag.millis_behind_latest;
  if (!lag_ms.has_value()) lag_ms = lag.emit_event_time_lag_ms;
  if (!lag_ms.has_value() && lag.output_watermark_ms.has_value()) {
    const double behind = static_cast<double>(now_ms) - *lag.output_watermark_ms;
    if (behind >= 0 && behind <= kYearMs) lag_ms = behind;
  }
  switch (out.backlog_signal()) {
    case v1::BACKLOG_SIGNAL_PENDING_RECORDS:
      FUZZ_REQUIRE(lag.pending_records.has_value() && out.has_pending_records() &&
                       out.pending_records() == std::max(0.0, *lag.pending_records) &&
                       !out.has_time_lag_s(),
                   what);
      break;
    case v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE:
      FUZZ_REQUIRE(!lag.pending_records.has_value() && lag_ms.has_value() &&
                       read_per_s.has_value() && *read_per_s >= 0,
                   what);
      FUZZ_REQUIRE(out.has_time_lag_s() && out.time_lag_s() == *lag_ms / 1000, what);
      FUZZ_REQUIRE(out.has_pending_records() &&
                       out.pending_records() == out.time_lag_s() * *read_per_s,
                   what);
      break;
    case v1::BACKLOG_SIGNAL_NONE:
      FUZZ_REQUIRE(!out.has_pending_records() && !out.has_time_lag_s(), what);
      // Nothing measured, and no lag with a usable rate (an estimate that
      // overflows is none).
      FUZZ_REQUIRE(!lag.pending_records.has_value(), what);
      FUZZ_REQUIRE(!lag_ms.has_value() || !read_per_s.has_value() ||
                       !(*read_per_s >= 0) ||
                       !std::isfinite(*lag_ms / 1000 * *read_per_s),
                   what);
      break;
    default:
      FUZZ_REQUIRE(false, what);
  }
}

}  // namespace
}  // namespace streamtune::flink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace streamtune::flink;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view header = input.substr(0, newline);
  const absl::string_view body = newline == absl::string_view::npos
                                     ? absl::string_view()
                                     : input.substr(newline + 1);

  int64_t now_ms = 0;
  std::optional<double> read_per_s;
  const size_t space = header.find(' ');
  (void)absl::SimpleAtoi(header.substr(0, space), &now_ms);
  if (space != absl::string_view::npos) {
    const std::string rate(header.substr(space + 1));
    char* end = nullptr;
    const double v = std::strtod(rate.c_str(), &end);
    if (end != rate.c_str()) read_per_s = v;
  }

  absl::StatusOr<AggregatedMetrics> metrics = ParseAggregatedMetrics(body);
  FUZZ_REQUIRE(
      metrics.ok() || metrics.status().code() == absl::StatusCode::kInvalidArgument,
      metrics.status().ToString());
  // An answer the client cannot read leaves the source with no metrics:
  // its backlog must then be unknown (NONE), not 0.
  Check(metrics.ok() ? *metrics : AggregatedMetrics(), now_ms, read_per_s);
  if (!metrics.ok()) {
    streamtune::v1::OperatorMetrics out;
    FillSourceBacklog(SourceLagMetrics(), now_ms, read_per_s, &out);
    FUZZ_REQUIRE(out.backlog_signal() == streamtune::v1::BACKLOG_SIGNAL_NONE &&
                     !out.has_pending_records(),
                 "no metric is no backlog signal");
  }
  return 0;
}
