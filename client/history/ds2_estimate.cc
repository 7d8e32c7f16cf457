#include "client/history/ds2_estimate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace streamtune::history {
namespace {

// Below this busy time (ms per second) a rate is too noisy to extrapolate.
constexpr double kMinBusyMs = 5;

double Seconds(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds()) + t.nanos() * 1e-9;
}

// Per-second backlog growth of source `v` since `previous`, or 0 when the
// two snapshots are not of the same uninterrupted run.
double BacklogGrowth(const v1::Snapshot& snapshot, const v1::Snapshot* previous,
                     int v) {
  if (previous == nullptr || previous->job_id() != snapshot.job_id()) return 0;
  const double dt = Seconds(snapshot.observed_at()) - Seconds(previous->observed_at());
  if (dt <= 0 || snapshot.seconds_since_restart() < dt) return 0;
  const v1::Operator& op = snapshot.operators(v);
  for (const v1::Operator& before : previous->operators()) {
    if (before.id() != op.id()) continue;
    if (!before.metrics().has_pending_records() ||
        !op.metrics().has_pending_records()) {
      return 0;
    }
    return (op.metrics().pending_records() - before.metrics().pending_records()) / dt;
  }
  return 0;
}

double Selectivity(const v1::Operator& op) {
  const v1::OperatorMetrics& m = op.metrics();
  if (!m.has_records_in_per_s() || m.records_in_per_s() <= 0) return 1;
  if (!m.has_records_out_per_s()) return 1;
  return m.records_out_per_s() / m.records_in_per_s();
}

}  // namespace

std::vector<double> TargetInputRates(const v1::Snapshot& snapshot,
                                     const v1::Snapshot* previous, double catch_up_s) {
  const int n = snapshot.operators_size();
  std::map<std::string, int> index;
  for (int v = 0; v < n; ++v) index[snapshot.operators(v).id()] = v;
  struct In {
    int from;
    double fraction;
  };
  std::vector<std::vector<In>> inputs(n);
  std::vector<std::vector<int>> successors(n);
  std::vector<int> in_degree(n, 0);
  for (const v1::Edge& edge : snapshot.edges()) {
    auto from = index.find(edge.from());
    auto to = index.find(edge.to());
    if (from == index.end() || to == index.end()) continue;
    inputs[to->second].push_back(
        In{from->second, edge.has_fraction() ? edge.fraction() : 1});
    successors[from->second].push_back(to->second);
    ++in_degree[to->second];
  }
  std::vector<double> lambda(n, 0.0);
  std::vector<int> ready;
  for (int v = 0; v < n; ++v) {
    if (in_degree[v] == 0) ready.push_back(v);
  }
  // Kahn's algorithm; an operator's λ is final when it becomes ready.
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    const v1::Operator& op = snapshot.operators(v);
    if (op.kind() == v1::OPERATOR_KIND_SOURCE) {
      const v1::OperatorMetrics& m = op.metrics();
      lambda[v] =
          std::max(0.0, m.records_in_per_s() + BacklogGrowth(snapshot, previous, v) +
                            m.pending_records() / catch_up_s);
    } else {
      for (const In& in : inputs[v]) {
        lambda[v] +=
            lambda[in.from] * Selectivity(snapshot.operators(in.from)) * in.fraction;
      }
    }
    for (int w : successors[v]) {
      if (--in_degree[w] == 0) ready.push_back(w);
    }
  }
  return lambda;
}

std::vector<int> EstimateNeededParallelism(const v1::Snapshot& snapshot,
                                           const v1::Snapshot* previous,
                                           double catch_up_s) {
  const std::vector<double> lambda = TargetInputRates(snapshot, previous, catch_up_s);
  std::vector<int> needed(snapshot.operators_size());
  for (int v = 0; v < snapshot.operators_size(); ++v) {
    const v1::Operator& op = snapshot.operators(v);
    const v1::OperatorMetrics& m = op.metrics();
    const int p = std::max(1, op.parallelism());
    const int max_p = std::max(1, op.max_parallelism());
    needed[v] = std::min(p, max_p);
    const double busy =
        m.has_busy_ms_per_s_max() ? m.busy_ms_per_s_max() : m.busy_ms_per_s_avg();
    if (busy < kMinBusyMs || m.records_in_per_s() <= 0) continue;
    const double capacity = m.records_in_per_s() / (busy / 1000.0);  // At p.
    const double wanted = std::ceil(lambda[v] / (capacity / p) - 1e-9);
    needed[v] = static_cast<int>(std::clamp(wanted, 1.0, static_cast<double>(max_p)));
  }
  return needed;
}

}  // namespace streamtune::history
