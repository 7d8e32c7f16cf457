#include "client/history/ds2_estimate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune::history {
namespace {

// Below this busy time (ms per second) a rate is too noisy to extrapolate.
constexpr double kMinBusyMs = 5;

double Seconds(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds()) + t.nanos() * 1e-9;
}

// `previous` when it is an earlier snapshot of the same uninterrupted run
// (backlog growth is only meaningful then), else nullptr.
const v1::Snapshot* SameRun(const v1::Snapshot& snapshot,
                            const v1::Snapshot* previous) {
  if (previous == nullptr || previous->job_id() != snapshot.job_id()) return nullptr;
  const double dt = Seconds(snapshot.observed_at()) - Seconds(previous->observed_at());
  if (dt <= 0 || snapshot.seconds_since_restart() < dt) return nullptr;
  return previous;
}

}  // namespace

std::vector<double> TargetInputRates(const v1::Snapshot& snapshot,
                                     const v1::Snapshot* previous, double catch_up_s) {
  // The service's own estimate (server/core/rate_estimation.h), so the
  // exploration centres on the rates the policies will see.
  const JobGraph graph(snapshot);
  return streamtune::TargetInputRates(graph, SameRun(snapshot, previous),
                                      RateEstimationOptions{catch_up_s});
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
