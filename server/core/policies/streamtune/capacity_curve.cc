#include "server/core/policies/streamtune/capacity_curve.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "common/median.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune {
namespace {

// Busy fractions below this say too little to extrapolate from (metric noise
// and fixed per-window overheads dominate).
constexpr double kMinBusyFraction = 0.05;
// A busiest instance at or above this is (nearly) saturated: its busy time is
// clipped, so busy_max / busy_avg understates the skew.
constexpr double kSaturatedBusyFraction = 0.95;

struct Observations {
  // Per distinct parallelism: sum and count of 1/u(p).
  std::map<int, std::pair<double, int>> inverse_rate;
  // Hot-key share estimates from a run's first settled window, and from
  // the windows after it (oldest first).
  std::vector<double> startup_shares;
  std::vector<double> steady_shares;
};

// The skew is read from this many of the latest steady windows. An engine
// that averages busy time over a longer span than a window shows the
// start-up's imbalance fading for a while: Flink's aggregate, 22 s after a
// restart to 3 instances, read 0.10, then 0.07, 0.05, 0.04, 0.03, and
// 0.01 from 78 s on; the median of all of them (0.035) left 3 instances
// short of the 2,400 rec/s they then carried at 97% busy.
constexpr int kSkewWindows = 3;

void Observe(const v1::Operator& op, bool first_window, Observations* obs) {
  const auto& m = op.metrics();
  const int p = op.parallelism();
  if (p < 1 || !m.has_records_in_per_s() || !m.has_busy_ms_per_s_avg()) return;
  const double busy_avg = m.busy_ms_per_s_avg() / 1000.0;
  if (busy_avg < kMinBusyFraction || m.records_in_per_s() <= 0) return;
  const double per_instance = m.records_in_per_s() / p / std::min(1.0, busy_avg);
  auto& [sum, count] = obs->inverse_rate[p];
  sum += 1 / per_instance;
  ++count;
  if (p >= 2 && m.has_busy_ms_per_s_max()) {
    const double busy_max = m.busy_ms_per_s_max() / 1000.0;
    if (busy_max < kSaturatedBusyFraction) {
      const double ratio = busy_max / busy_avg;  // share(p) · p
      (first_window ? obs->startup_shares : obs->steady_shares)
          .push_back(std::clamp((ratio - 1) / (p - 1), 0.0, 0.99));
    }
  }
}

// Least squares of y = a + b·(p − 1) over the distinct parallelisms (each
// parallelism one point, its mean), with b >= 0.
std::optional<CapacityCurve> Fit(const Observations& obs) {
  if (obs.inverse_rate.empty()) return std::nullopt;
  CapacityCurve curve;
  curve.observed_parallelisms = static_cast<int>(obs.inverse_rate.size());
  curve.largest_observed = obs.inverse_rate.rbegin()->first;
  // The median of the latest few (of an even count, the mean of the middle
  // two): a busiest instance is noisier than the average and only ever
  // above it, and the second window of a run can still be uneven. Steady
  // windows when there are any, else the start-up's.
  const std::vector<double>& shares =
      obs.steady_shares.empty() ? obs.startup_shares : obs.steady_shares;
  const size_t latest = std::min<size_t>(shares.size(), kSkewWindows);
  curve.hot_key_share =
      latest == 0 ? 0
                  : Median(std::vector<double>(shares.end() - latest, shares.end()));
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [p, sum_count] : obs.inverse_rate) {
    const double x = p - 1;
    const double y = sum_count.first / sum_count.second;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double mean_y = sy / n;
  if (n >= 2) {
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const double intercept = (sy - slope * sx) / n;
    if (slope > 0 && intercept > 0) {
      curve.base_rate = 1 / intercept;
      curve.contention = slope / intercept;
    } else {
      // No measurable contention (or noise made it negative).
      curve.base_rate = 1 / mean_y;
    }
    curve.contention_known = true;
    return curve;
  }
  // One parallelism: its per-instance rate, contention unknown.
  curve.base_rate = 1 / mean_y;
  return curve;
}

}  // namespace

double CapacityCurve::Capacity(int p) const {
  const double share = hot_key_share + (1 - hot_key_share) / p;
  return base_rate / ((1 + contention * (p - 1)) * share);
}

int CapacityCurve::SmallestSustaining(double demand, int max_p) const {
  double best = 0;
  for (int p = 1; p <= max_p; ++p) {
    const double c = Capacity(p);
    if (c >= demand) return p;
    best = std::max(best, c);
  }
  // Infeasible: near the maximum the curve is flat, and the last few
  // percent of capacity cost many instances.
  for (int p = 1; p <= max_p; ++p) {
    if (Capacity(p) >= kNearMaximum * best) return p;
  }
  return max_p;
}

std::vector<std::optional<CapacityCurve>> FitCapacityCurves(const PolicyInput& input) {
  const JobGraph& graph = input.graph;
  std::vector<Observations> obs(graph.size());
  for (const v1::StoredSnapshot& stored : input.history) {
    const v1::Snapshot& past = stored.snapshot();
    if (Stabilising(past) || !SameOperators(past, graph)) continue;
    // A run's first settled window still holds its start-up: the restart's
    // backlog reaches the new instances unevenly, so the busiest one's
    // share overstates the skew. Measured on Timely q1 at 6000 events/s:
    // 2 s after a restart to 3 instances the map was 914 ms/s busy at most
    // against 523 on average (share estimate 0.37), 4 s later 832 against
    // 812 (0.01).
    const bool first = FirstWindowOfRun(past);
    for (int v = 0; v < graph.size(); ++v) Observe(past.operators(v), first, &obs[v]);
  }
  if (!Stabilising(graph.snapshot())) {
    const bool first = FirstWindowOfRun(graph.snapshot());
    for (int v = 0; v < graph.size(); ++v) Observe(graph.op(v), first, &obs[v]);
  }
  std::vector<std::optional<CapacityCurve>> curves;
  curves.reserve(graph.size());
  for (const Observations& o : obs) curves.push_back(Fit(o));
  return curves;
}

}  // namespace streamtune
