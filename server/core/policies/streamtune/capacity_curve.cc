#include "server/core/policies/streamtune/capacity_curve.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "server/core/graph/job_graph.h"

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
  double share_sum = 0;  // Sum of hot-key share estimates.
  int shares = 0;
};

void Observe(const v1::Operator& op, Observations* obs) {
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
      obs->share_sum += std::clamp((ratio - 1) / (p - 1), 0.0, 0.99);
      ++obs->shares;
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
  curve.hot_key_share = obs.shares > 0 ? obs.share_sum / obs.shares : 0;
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
    for (int v = 0; v < graph.size(); ++v) Observe(past.operators(v), &obs[v]);
  }
  if (!Stabilising(graph.snapshot())) {
    for (int v = 0; v < graph.size(); ++v) Observe(graph.op(v), &obs[v]);
  }
  std::vector<std::optional<CapacityCurve>> curves;
  curves.reserve(graph.size());
  for (const Observations& o : obs) curves.push_back(Fit(o));
  return curves;
}

}  // namespace streamtune
