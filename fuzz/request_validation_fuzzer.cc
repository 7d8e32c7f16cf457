// Fuzzes the server's request validation (server/core/request_validation.h)
// with a v1::SnapshotRequest decoded from arbitrary protobuf wire bytes, as
// the gRPC handler receives it. Properties:
//  - ValidateSnapshot never crashes and answers OK or INVALID_ARGUMENT whose
//    message starts with the field path "snapshot";
//  - its verdict equals an independent re-statement of the documented rules
//    (IsValidByTheRules below): an invalid request is never accepted and a
//    valid one never refused;
//  - what the core then does with an accepted snapshot (JobGraph, bottleneck
//    labels, target rates, the DS2 policy) does not crash either, JobGraph's
//    order is topological and DS2 recommends parallelism within
//    [1, max_parallelism].
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/request_validation.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {
namespace {

bool IdOk(absl::string_view id, size_t max_length, absl::string_view extra) {
  if (id.empty() || id.size() > max_length) return false;
  for (char c : id) {
    const bool alnum =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && !absl::StrContains(extra, c)) return false;
  }
  return true;
}

bool MetricOk(bool has, double value, double upper) {
  return !has || (std::isfinite(value) && value >= 0 && value <= upper);
}

bool BacklogSignalOk(const v1::OperatorMetrics& m) {
  switch (m.backlog_signal()) {
    case v1::BACKLOG_SIGNAL_UNSPECIFIED:
      return !m.has_time_lag_s();
    case v1::BACKLOG_SIGNAL_PENDING_RECORDS:
      return m.has_pending_records() && !m.has_time_lag_s();
    case v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE:
      return m.has_pending_records();
    case v1::BACKLOG_SIGNAL_NONE:
      return !m.has_pending_records() && !m.has_time_lag_s();
    default:
      return false;
  }
}

bool MetricsOk(const v1::OperatorMetrics& m) {
  const double kAny = HUGE_VAL;
  return MetricOk(m.has_records_in_per_s(), m.records_in_per_s(), kAny) &&
         MetricOk(m.has_records_out_per_s(), m.records_out_per_s(), kAny) &&
         MetricOk(m.has_busy_ms_per_s_max(), m.busy_ms_per_s_max(), 1000) &&
         MetricOk(m.has_busy_ms_per_s_avg(), m.busy_ms_per_s_avg(), 1000) &&
         MetricOk(m.has_backpressured_ms_per_s_max(), m.backpressured_ms_per_s_max(),
                  1000) &&
         MetricOk(m.has_idle_ms_per_s_avg(), m.idle_ms_per_s_avg(), 1000) &&
         MetricOk(m.has_pending_records(), m.pending_records(), kAny) &&
         MetricOk(m.has_queued_records(), m.queued_records(), kAny) &&
         MetricOk(m.has_time_lag_s(), m.time_lag_s(), kAny) && BacklogSignalOk(m);
}

bool HeaderOk(const v1::Snapshot& s) {
  const auto& t = s.observed_at();
  return IdOk(s.job_id(), 256, "._:/-") && IdOk(s.snapshot_id(), 128, "._:-") &&
         s.engine() != v1::ENGINE_UNSPECIFIED && v1::Engine_IsValid(s.engine()) &&
         v1::MetricSemantics_IsValid(s.semantics()) && s.has_observed_at() &&
         t.seconds() >= -62135596800LL && t.seconds() <= 253402300799LL &&
         t.nanos() >= 0 && t.nanos() <= 999999999 && std::isfinite(s.window_s()) &&
         s.window_s() > 0 && s.window_s() <= 86400 &&
         std::isfinite(s.seconds_since_restart()) && s.seconds_since_restart() >= 0;
}

bool OperatorOk(const v1::Operator& op) {
  return IdOk(op.id(), 256, "._:/-") && op.name().size() <= 1024 &&
         op.name().find('\0') == std::string::npos &&
         v1::OperatorKind_IsValid(op.kind()) && op.max_parallelism() >= 1 &&
         op.max_parallelism() <= 32768 && op.parallelism() >= 1 &&
         op.parallelism() <= op.max_parallelism() && MetricsOk(op.metrics());
}

// Depth-first search for a back edge, iteratively (graphs of 1000 operators).
bool Acyclic(int n, const std::vector<std::vector<int>>& successors) {
  std::vector<int> state(n, 0);  // 0 new, 1 on the stack, 2 done.
  for (int root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    std::vector<std::pair<int, size_t>> stack = {{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next == successors[v].size()) {
        state[v] = 2;
        stack.pop_back();
        continue;
      }
      const int w = successors[v][next++];
      if (state[w] == 1) return false;
      if (state[w] == 0) {
        state[w] = 1;
        stack.emplace_back(w, 0);
      }
    }
  }
  return true;
}

// The rules of request_validation.h, stated again without its code.
bool IsValidByTheRules(const v1::Snapshot& s) {
  if (s.ByteSizeLong() > (4u << 20) || !HeaderOk(s)) return false;
  const int n = s.operators_size();
  if (n < 1 || n > 1000 || s.edges_size() > 10000) return false;
  std::map<std::string, int> index;
  for (int i = 0; i < n; ++i) {
    if (!OperatorOk(s.operators(i)) || !index.emplace(s.operators(i).id(), i).second) {
      return false;
    }
  }
  std::set<std::pair<int, int>> seen;
  std::vector<std::vector<int>> successors(n);
  for (const v1::Edge& e : s.edges()) {
    auto from = index.find(e.from());
    auto to = index.find(e.to());
    if (from == index.end() || to == index.end() || from->second == to->second) {
      return false;
    }
    if (!seen.emplace(from->second, to->second).second) return false;
    if (!v1::Partitioning_IsValid(e.partitioning())) return false;
    if (e.has_fraction() &&
        !(std::isfinite(e.fraction()) && e.fraction() > 0 && e.fraction() <= 1)) {
      return false;
    }
    if (s.operators(to->second).kind() == v1::OPERATOR_KIND_SOURCE) return false;
    if (s.operators(from->second).kind() == v1::OPERATOR_KIND_SINK) return false;
    if (s.operators(to->second).metrics().backlog_signal() !=
        v1::BACKLOG_SIGNAL_UNSPECIFIED) {
      return false;  // Only sources report a backlog.
    }
    successors[from->second].push_back(to->second);
  }
  return Acyclic(n, successors);
}

// What the core computes from an accepted snapshot before any policy runs.
void UseAcceptedSnapshot(const v1::Snapshot& snapshot) {
  const JobGraph graph(snapshot);
  const int n = snapshot.operators_size();
  FUZZ_REQUIRE(graph.size() == n, "JobGraph has every operator");
  std::vector<int> position(n, -1);
  const std::vector<int>& order = graph.topological_order();
  FUZZ_REQUIRE(static_cast<int>(order.size()) == n, "order covers every operator");
  for (int k = 0; k < n; ++k) {
    FUZZ_REQUIRE(order[k] >= 0 && order[k] < n && position[order[k]] < 0,
                 "order is a permutation");
    position[order[k]] = k;
  }
  for (int e = 0; e < snapshot.edges_size(); ++e) {
    FUZZ_REQUIRE(position[graph.producer(e)] < position[graph.consumer(e)],
                 snapshot.edges(e).from() + " -> " + snapshot.edges(e).to());
  }
  for (int i = 0; i < n; ++i) {
    FUZZ_REQUIRE(graph.IndexOf(snapshot.operators(i).id()) == i, "IndexOf");
  }
  const std::vector<v1::OperatorLabel> labels = LabelBottlenecks(graph, nullptr);
  FUZZ_REQUIRE(static_cast<int>(labels.size()) == n, "one label per operator");
  const std::vector<double> rates = TargetInputRates(graph, nullptr, {});
  FUZZ_REQUIRE(static_cast<int>(rates.size()) == n, "one target rate per operator");
  for (double rate : rates) {
    FUZZ_REQUIRE(!(rate < 0), "target rates are not negative");
  }
  // DS2, the policy without models: its answer must be applicable.
  const PolicyInput input{"fuzz", graph, labels, {}, {}, nullptr};
  absl::StatusOr<v1::Recommendation> answer = Ds2Policy().Recommend(input);
  FUZZ_REQUIRE(answer.ok(), answer.status().ToString());
  FUZZ_REQUIRE(answer->operators_size() == n, "one recommendation per operator");
  for (int i = 0; i < n; ++i) {
    const v1::OperatorRecommendation& r = answer->operators(i);
    FUZZ_REQUIRE(
        r.recommended_parallelism() >= 1 &&
            r.recommended_parallelism() <= snapshot.operators(i).max_parallelism(),
        r.operator_id() + ": " + std::to_string(r.recommended_parallelism()));
  }
}

}  // namespace
}  // namespace streamtune

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Undecodable inputs (invalid UTF-8 in a string) make libprotobuf log
  // each one; that is noise here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamtune::v1::SnapshotRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return -1;  // Not kept.
  const streamtune::v1::Snapshot& snapshot = request.snapshot();
  const absl::Status status = streamtune::ValidateSnapshot(snapshot, "snapshot");
  const bool valid = streamtune::IsValidByTheRules(snapshot);
  FUZZ_REQUIRE(status.ok() == valid, status.ToString());
  if (!status.ok()) {
    FUZZ_REQUIRE(status.code() == absl::StatusCode::kInvalidArgument,
                 status.ToString());
    FUZZ_REQUIRE(absl::StartsWith(status.message(), "snapshot"), status.ToString());
    return 0;
  }
  streamtune::UseAcceptedSnapshot(snapshot);
  return 0;
}
