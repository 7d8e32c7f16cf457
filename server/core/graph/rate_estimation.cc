#include "server/core/graph/rate_estimation.h"

#include <algorithm>

#include "google/protobuf/util/time_util.h"

namespace streamtune {
namespace {

using google::protobuf::util::TimeUtil;

// Below this many records per second of input, or this busy fraction, the
// true-rate extrapolation divides noise by noise.
constexpr double kMinRecordsPerSecond = 1e-6;
constexpr double kMinBusyFraction = 1e-3;

}  // namespace

const v1::Operator* FindOperator(const v1::Snapshot& snapshot, const std::string& id) {
  for (const auto& op : snapshot.operators()) {
    if (op.id() == id) return &op;
  }
  return nullptr;
}

bool FirstWindowOfRun(const v1::Snapshot& snapshot) {
  return snapshot.seconds_since_restart() < 2 * snapshot.window_s();
}

double SecondsBetween(const v1::Snapshot& earlier, const v1::Snapshot& later) {
  return static_cast<double>(TimeUtil::DurationToMicroseconds(later.observed_at() -
                                                              earlier.observed_at())) /
         1e6;
}

const v1::Snapshot* ComparablePrevious(const v1::Snapshot& current,
                                       absl::Span<const v1::StoredSnapshot> history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    const v1::Snapshot& candidate = it->snapshot();
    if (candidate.snapshot_id() == current.snapshot_id()) continue;
    const double gap = SecondsBetween(candidate, current);
    if (gap <= 0) continue;
    // The current run began seconds_since_restart ago; the candidate must
    // have been taken after that.
    if (gap > current.seconds_since_restart()) return nullptr;
    return &candidate;
  }
  return nullptr;
}

double Selectivity(const v1::Operator& op) {
  const auto& m = op.metrics();
  if (!m.has_records_in_per_s() || m.records_in_per_s() < kMinRecordsPerSecond) {
    return op.kind() == v1::OPERATOR_KIND_SINK ? 0.0 : 1.0;
  }
  return m.records_out_per_s() / m.records_in_per_s();
}

std::optional<double> TrueProcessingRate(const v1::Operator& op) {
  const auto& m = op.metrics();
  if (!m.has_records_in_per_s() || !m.has_busy_ms_per_s_avg()) return std::nullopt;
  const double busy = m.busy_ms_per_s_avg() / 1000.0;
  if (busy < kMinBusyFraction || m.records_in_per_s() < kMinRecordsPerSecond) {
    return std::nullopt;
  }
  return m.records_in_per_s() / busy;
}

namespace {

template <typename Has, typename Get>
std::optional<double> GrowthPerSecond(const v1::Snapshot& current,
                                      const v1::Snapshot* previous, int index, Has has,
                                      Get get) {
  if (previous == nullptr) return std::nullopt;
  const v1::Operator& op = current.operators(index);
  const v1::Operator* before = FindOperator(*previous, op.id());
  if (before == nullptr || !has(op.metrics()) || !has(before->metrics())) {
    return std::nullopt;
  }
  const double seconds = SecondsBetween(*previous, current);
  if (seconds <= 0) return std::nullopt;
  return (get(op.metrics()) - get(before->metrics())) / seconds;
}

}  // namespace

std::optional<double> PendingGrowthPerSecond(const v1::Snapshot& current,
                                             const v1::Snapshot* previous, int index) {
  return GrowthPerSecond(
      current, previous, index,
      [](const v1::OperatorMetrics& m) { return m.has_pending_records(); },
      [](const v1::OperatorMetrics& m) { return m.pending_records(); });
}

std::optional<double> QueueGrowthPerSecond(const v1::Snapshot& current,
                                           const v1::Snapshot* previous, int index) {
  return GrowthPerSecond(
      current, previous, index,
      [](const v1::OperatorMetrics& m) { return m.has_queued_records(); },
      [](const v1::OperatorMetrics& m) { return m.queued_records(); });
}

std::vector<double> PropagateSourceRates(const JobGraph& graph,
                                         const std::vector<double>& source_rates) {
  std::vector<double> rate(graph.size(), 0.0);
  for (int v : graph.topological_order()) {
    if (graph.is_source(v)) {
      rate[v] = source_rates[v];
      continue;
    }
    for (int e : graph.input_edges(v)) {
      const int u = graph.producer(e);
      const v1::Edge& edge = graph.edge(e);
      const double fraction = edge.has_fraction() ? edge.fraction() : 1.0;
      rate[v] += rate[u] * Selectivity(graph.op(u)) * fraction;
    }
  }
  return rate;
}

std::vector<double> TargetInputRates(const JobGraph& graph,
                                     const v1::Snapshot* previous,
                                     const RateEstimationOptions& options) {
  std::vector<double> source_target(graph.size(), 0.0);
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    const auto& m = graph.op(v).metrics();
    // A source whose backlog is draining reads faster than data arrives:
    // read rate + (negative) growth is still the arrival rate.
    const double arrival =
        m.records_in_per_s() +
        PendingGrowthPerSecond(graph.snapshot(), previous, v).value_or(0.0);
    source_target[v] =
        std::max(0.0, arrival) + m.pending_records() / options.catch_up_s;
  }
  return PropagateSourceRates(graph, source_target);
}

}  // namespace streamtune
