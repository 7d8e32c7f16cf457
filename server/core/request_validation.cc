#include "server/core/request_validation.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/timestamps.h"

namespace streamtune {
namespace {

absl::Status Invalid(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

bool IdChar(char c, absl::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         extra.find(c) != absl::string_view::npos;
}

absl::Status CheckIdentifier(absl::string_view value, absl::string_view path,
                             size_t max_length, absl::string_view extra) {
  if (value.empty()) return Invalid(path, "required");
  if (value.size() > max_length) {
    return Invalid(path, absl::StrCat("longer than ", max_length, " characters (",
                                      value.size(), ")"));
  }
  for (char c : value) {
    if (!IdChar(c, extra)) {
      return Invalid(
          path, absl::StrFormat("character '%c' is not allowed (use [A-Za-z0-9%s])", c,
                                extra));
    }
  }
  return absl::OkStatus();
}

// Checks an optional metric: unset is fine; set must be finite, >= 0 and at
// most `upper` (a time in ms per second cannot exceed 1000).
absl::Status CheckMetric(bool has, double value, absl::string_view path, double upper) {
  if (!has) return absl::OkStatus();
  if (!std::isfinite(value)) return Invalid(path, "must be finite");
  if (value < 0) return Invalid(path, absl::StrCat("must be >= 0, got ", value));
  if (value > upper) {
    return Invalid(path, absl::StrCat("must be <= ", upper, ", got ", value));
  }
  return absl::OkStatus();
}

// pending_records and backlog_signal agree: a measured or estimated backlog
// has a value, "none" has none, and only an estimate carries its time lag.
absl::Status CheckBacklogSignal(const v1::OperatorMetrics& m, const std::string& path) {
  const v1::BacklogSignal signal = m.backlog_signal();
  if (!v1::BacklogSignal_IsValid(signal)) {
    return Invalid(path + ".backlog_signal", absl::StrCat("unknown value ", signal));
  }
  const bool needs_value = signal == v1::BACKLOG_SIGNAL_PENDING_RECORDS ||
                           signal == v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE;
  if (needs_value && !m.has_pending_records()) {
    return Invalid(
        path + ".pending_records",
        absl::StrCat("required with backlog_signal ", v1::BacklogSignal_Name(signal)));
  }
  if (signal == v1::BACKLOG_SIGNAL_NONE && m.has_pending_records()) {
    return Invalid(path + ".pending_records",
                   "must be unset with backlog_signal BACKLOG_SIGNAL_NONE (the backlog "
                   "is unknown)");
  }
  if (m.has_time_lag_s() && signal != v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE) {
    return Invalid(path + ".time_lag_s",
                   "only with backlog_signal BACKLOG_SIGNAL_TIME_LAG_ESTIMATE");
  }
  return absl::OkStatus();
}

absl::Status CheckMetrics(const v1::OperatorMetrics& m, const std::string& path) {
  constexpr double kUnbounded = HUGE_VAL;
  constexpr double kMsPerSecond = 1000;
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_records_in_per_s(), m.records_in_per_s(),
                                         path + ".records_in_per_s", kUnbounded));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_records_out_per_s(),
                                         m.records_out_per_s(),
                                         path + ".records_out_per_s", kUnbounded));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_busy_ms_per_s_max(),
                                         m.busy_ms_per_s_max(),
                                         path + ".busy_ms_per_s_max", kMsPerSecond));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_busy_ms_per_s_avg(),
                                         m.busy_ms_per_s_avg(),
                                         path + ".busy_ms_per_s_avg", kMsPerSecond));
  STREAMTUNE_RETURN_IF_ERROR(
      CheckMetric(m.has_backpressured_ms_per_s_max(), m.backpressured_ms_per_s_max(),
                  path + ".backpressured_ms_per_s_max", kMsPerSecond));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_idle_ms_per_s_avg(),
                                         m.idle_ms_per_s_avg(),
                                         path + ".idle_ms_per_s_avg", kMsPerSecond));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_pending_records(), m.pending_records(),
                                         path + ".pending_records", kUnbounded));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_queued_records(), m.queued_records(),
                                         path + ".queued_records", kUnbounded));
  STREAMTUNE_RETURN_IF_ERROR(CheckMetric(m.has_time_lag_s(), m.time_lag_s(),
                                         path + ".time_lag_s", kUnbounded));
  return CheckBacklogSignal(m, path);
}

absl::Status CheckOperators(const v1::Snapshot& snapshot, absl::string_view path,
                            const ValidationLimits& limits) {
  const std::string ops_path = absl::StrCat(path, ".operators");
  if (snapshot.operators_size() == 0) {
    return Invalid(ops_path, "at least one operator is required");
  }
  if (snapshot.operators_size() > limits.max_operators) {
    return Invalid(ops_path, absl::StrCat(snapshot.operators_size(),
                                          " operators exceed the limit of ",
                                          limits.max_operators));
  }
  absl::flat_hash_map<std::string, int> first_index;
  for (int i = 0; i < snapshot.operators_size(); ++i) {
    const v1::Operator& op = snapshot.operators(i);
    const std::string op_path = absl::StrCat(ops_path, "[", i, "]");
    STREAMTUNE_RETURN_IF_ERROR(CheckIdentifier(op.id(), op_path + ".id", 256, "._:/-"));
    auto [it, inserted] = first_index.emplace(op.id(), i);
    if (!inserted) {
      return Invalid(op_path + ".id",
                     absl::StrFormat("duplicate id \"%s\" (also operators[%d])",
                                     op.id(), it->second));
    }
    if (op.name().size() > 1024) {
      return Invalid(op_path + ".name", "longer than 1024 characters");
    }
    if (op.name().find('\0') != std::string::npos) {
      return Invalid(op_path + ".name", "contains a NUL character");
    }
    if (!v1::OperatorKind_IsValid(op.kind())) {
      return Invalid(op_path + ".kind", absl::StrCat("unknown value ", op.kind()));
    }
    if (op.max_parallelism() < 1 || op.max_parallelism() > limits.max_parallelism) {
      return Invalid(op_path + ".max_parallelism",
                     absl::StrCat("must be in [1, ", limits.max_parallelism, "], got ",
                                  op.max_parallelism()));
    }
    if (op.parallelism() < 1 || op.parallelism() > op.max_parallelism()) {
      return Invalid(op_path + ".parallelism",
                     absl::StrCat("must be in [1, max_parallelism=",
                                  op.max_parallelism(), "], got ", op.parallelism()));
    }
    STREAMTUNE_RETURN_IF_ERROR(CheckMetrics(op.metrics(), op_path + ".metrics"));
  }
  return absl::OkStatus();
}

absl::Status CheckEdges(const v1::Snapshot& snapshot, absl::string_view path,
                        const ValidationLimits& limits,
                        std::vector<std::pair<int, int>>* endpoints) {
  const std::string edges_path = absl::StrCat(path, ".edges");
  if (snapshot.edges_size() > limits.max_edges) {
    return Invalid(edges_path,
                   absl::StrCat(snapshot.edges_size(), " edges exceed the limit of ",
                                limits.max_edges));
  }
  absl::flat_hash_map<absl::string_view, int> index;
  for (int i = 0; i < snapshot.operators_size(); ++i) {
    index.emplace(snapshot.operators(i).id(), i);
  }
  absl::flat_hash_map<std::pair<int, int>, int> seen;
  for (int e = 0; e < snapshot.edges_size(); ++e) {
    const v1::Edge& edge = snapshot.edges(e);
    const std::string edge_path = absl::StrCat(edges_path, "[", e, "]");
    if (edge.from().empty()) return Invalid(edge_path + ".from", "required");
    auto from = index.find(edge.from());
    if (from == index.end()) {
      return Invalid(edge_path + ".from",
                     absl::StrFormat("unknown operator \"%s\"", edge.from()));
    }
    if (edge.to().empty()) return Invalid(edge_path + ".to", "required");
    auto to = index.find(edge.to());
    if (to == index.end()) {
      return Invalid(edge_path + ".to",
                     absl::StrFormat("unknown operator \"%s\"", edge.to()));
    }
    if (from->second == to->second) {
      return Invalid(edge_path, absl::StrFormat("self-loop on \"%s\"", edge.from()));
    }
    auto [it, inserted] = seen.emplace(std::make_pair(from->second, to->second), e);
    if (!inserted) {
      return Invalid(edge_path,
                     absl::StrFormat("duplicate edge \"%s\" -> \"%s\" (also edges[%d])",
                                     edge.from(), edge.to(), it->second));
    }
    if (!v1::Partitioning_IsValid(edge.partitioning())) {
      return Invalid(edge_path + ".partitioning",
                     absl::StrCat("unknown value ", edge.partitioning()));
    }
    if (edge.has_fraction() && !(std::isfinite(edge.fraction()) &&
                                 edge.fraction() > 0 && edge.fraction() <= 1)) {
      return Invalid(edge_path + ".fraction",
                     absl::StrCat("must be in (0, 1], got ", edge.fraction()));
    }
    const v1::Operator& producer = snapshot.operators(from->second);
    const v1::Operator& consumer = snapshot.operators(to->second);
    if (consumer.kind() == v1::OPERATOR_KIND_SOURCE) {
      return Invalid(
          edge_path + ".to",
          absl::StrFormat("\"%s\" is a source and cannot have inputs", consumer.id()));
    }
    if (producer.kind() == v1::OPERATOR_KIND_SINK) {
      return Invalid(
          edge_path + ".from",
          absl::StrFormat("\"%s\" is a sink and cannot have outputs", producer.id()));
    }
    if (consumer.metrics().backlog_signal() != v1::BACKLOG_SIGNAL_UNSPECIFIED) {
      return Invalid(
          absl::StrCat(path, ".operators[", to->second, "].metrics.backlog_signal"),
          absl::StrFormat("only sources report a backlog; \"%s\" has an input (%s)",
                          consumer.id(), edge_path));
    }
    endpoints->emplace_back(from->second, to->second);
  }
  return absl::OkStatus();
}

// Kahn's algorithm. When operators remain, peel off those without a
// remaining successor too: every operator left then lies on a cycle or
// between cycles, so following remaining out-edges from any of them must
// revisit one, and the edge that does so closes a cycle.
absl::Status CheckAcyclic(const v1::Snapshot& snapshot, absl::string_view path,
                          const std::vector<std::pair<int, int>>& endpoints) {
  const int n = snapshot.operators_size();
  std::vector<int> in_degree(n, 0);
  std::vector<int> out_degree(n, 0);
  std::vector<std::vector<int>> out(n);  // Edge indices.
  std::vector<std::vector<int>> in(n);
  for (size_t e = 0; e < endpoints.size(); ++e) {
    const auto& [from, to] = endpoints[e];
    ++in_degree[to];
    ++out_degree[from];
    out[from].push_back(static_cast<int>(e));
    in[to].push_back(static_cast<int>(e));
  }
  std::vector<bool> removed(n, false);
  std::vector<int> ready;
  for (int i = 0; i < n; ++i) {
    if (in_degree[i] == 0) ready.push_back(i);
  }
  int remaining = n;
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    removed[v] = true;
    --remaining;
    for (int e : out[v]) {
      --out_degree[v];
      if (--in_degree[endpoints[e].second] == 0) ready.push_back(endpoints[e].second);
    }
  }
  if (remaining == 0) return absl::OkStatus();
  for (int i = 0; i < n; ++i) {
    if (!removed[i] && out_degree[i] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    removed[v] = true;
    for (int e : in[v]) {
      const int u = endpoints[e].first;
      if (!removed[u] && --out_degree[u] == 0) ready.push_back(u);
    }
  }
  int start = 0;
  while (removed[start]) ++start;
  std::vector<int> visited_at(n, -1);
  int v = start;
  for (int step = 0;; ++step) {
    visited_at[v] = step;
    for (int e : out[v]) {
      const int w = endpoints[e].second;
      if (removed[w]) continue;
      if (visited_at[w] >= 0) {
        return Invalid(
            absl::StrCat(path, ".edges[", e, "]"),
            absl::StrFormat("closes a cycle (\"%s\" -> \"%s\"); the "
                            "operator graph must be a DAG",
                            snapshot.operators(v).id(), snapshot.operators(w).id()));
      }
      v = w;
      break;
    }
  }
}

absl::Status CheckHeader(const v1::Snapshot& snapshot, absl::string_view path,
                         const ValidationLimits& limits) {
  STREAMTUNE_RETURN_IF_ERROR(
      ValidateJobId(snapshot.job_id(), absl::StrCat(path, ".job_id")));
  STREAMTUNE_RETURN_IF_ERROR(CheckIdentifier(
      snapshot.snapshot_id(), absl::StrCat(path, ".snapshot_id"), 128, "._:-"));
  if (snapshot.engine() == v1::ENGINE_UNSPECIFIED) {
    return Invalid(absl::StrCat(path, ".engine"), "required");
  }
  if (!v1::Engine_IsValid(snapshot.engine())) {
    return Invalid(absl::StrCat(path, ".engine"),
                   absl::StrCat("unknown value ", snapshot.engine()));
  }
  if (!v1::MetricSemantics_IsValid(snapshot.semantics())) {
    return Invalid(absl::StrCat(path, ".semantics"),
                   absl::StrCat("unknown value ", snapshot.semantics()));
  }
  if (!snapshot.has_observed_at()) {
    return Invalid(absl::StrCat(path, ".observed_at"), "required");
  }
  STREAMTUNE_RETURN_IF_ERROR(
      ValidateTimestamp(snapshot.observed_at(), absl::StrCat(path, ".observed_at")));
  if (!std::isfinite(snapshot.window_s()) || snapshot.window_s() <= 0 ||
      snapshot.window_s() > limits.max_window_s) {
    return Invalid(absl::StrCat(path, ".window_s"),
                   absl::StrCat("must be in (0, ", limits.max_window_s, "], got ",
                                snapshot.window_s()));
  }
  if (!std::isfinite(snapshot.seconds_since_restart()) ||
      snapshot.seconds_since_restart() < 0) {
    return Invalid(absl::StrCat(path, ".seconds_since_restart"),
                   absl::StrCat("must be finite and >= 0, got ",
                                snapshot.seconds_since_restart()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSnapshot(const v1::Snapshot& snapshot, absl::string_view path,
                              const ValidationLimits& limits) {
  const size_t bytes = snapshot.ByteSizeLong();
  if (bytes > static_cast<size_t>(limits.max_snapshot_bytes)) {
    return Invalid(path, absl::StrCat(bytes, " bytes exceed the limit of ",
                                      limits.max_snapshot_bytes));
  }
  STREAMTUNE_RETURN_IF_ERROR(CheckHeader(snapshot, path, limits));
  STREAMTUNE_RETURN_IF_ERROR(CheckOperators(snapshot, path, limits));
  std::vector<std::pair<int, int>> endpoints;
  STREAMTUNE_RETURN_IF_ERROR(CheckEdges(snapshot, path, limits, &endpoints));
  return CheckAcyclic(snapshot, path, endpoints);
}

constexpr int kMaxJobIdBytes = 256;

absl::Status ValidateJobId(absl::string_view job_id, absl::string_view path) {
  return CheckIdentifier(job_id, path, kMaxJobIdBytes, "._:/-");
}

absl::Status ValidateModelId(absl::string_view model_id, absl::string_view path) {
  constexpr int kMaxModelIdBytes = 64 + kMaxJobIdBytes;
  return CheckIdentifier(model_id, path, kMaxModelIdBytes, "._:/-");
}

absl::Status ValidatePageSize(int32_t page_size, absl::string_view path) {
  if (page_size < 0 || page_size > 1000) {
    return Invalid(path, absl::StrCat("must be in [0, 1000], got ", page_size));
  }
  return absl::OkStatus();
}

absl::Status ValidateTimestamp(const google::protobuf::Timestamp& timestamp,
                               absl::string_view path) {
  // Bounds of google.protobuf.Timestamp: years 0001 to 9999.
  constexpr int64_t kMinSeconds = -62135596800LL;
  constexpr int64_t kMaxSeconds = 253402300799LL;
  if (timestamp.seconds() < kMinSeconds || timestamp.seconds() > kMaxSeconds ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999999999) {
    return Invalid(path, "not a valid timestamp");
  }
  return absl::OkStatus();
}

absl::StatusOr<TimeRange> ValidateTimeRange(const google::protobuf::Timestamp* start,
                                            absl::string_view start_path,
                                            const google::protobuf::Timestamp* end,
                                            absl::string_view end_path) {
  TimeRange range;
  if (start != nullptr) {
    STREAMTUNE_RETURN_IF_ERROR(ValidateTimestamp(*start, start_path));
    range.start_micros = ToUnixMicros(*start);
  }
  if (end != nullptr) {
    STREAMTUNE_RETURN_IF_ERROR(ValidateTimestamp(*end, end_path));
    range.end_micros = ToUnixMicros(*end);
  }
  if (start != nullptr && end != nullptr &&
      (end->seconds() < start->seconds() ||
       (end->seconds() == start->seconds() && end->nanos() <= start->nanos()))) {
    return Invalid(end_path, absl::StrCat("must be after ", start_path));
  }
  return range;
}

}  // namespace streamtune
