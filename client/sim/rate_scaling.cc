#include "client/sim/rate_scaling.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <vector>

#include "client/sim/topology.h"

namespace streamtune::sim {

double ScaleRates(const ScaleTarget& target, Workload* w) {
  absl::StatusOr<Topology> topology = Topology::Build(*w);
  if (!topology.ok()) return 0;
  const double headroom =
      1.0 + static_cast<double>(w->restart_downtime_s) / w->catch_up_s;
  // λ is linear in the rates, which are piecewise linear in time: the peak
  // demand of every operator is at a step or at the end of a ramp.
  std::set<int> points = {1};
  for (const auto& [id, steps] : w->sources) {
    for (const RateStep& step : steps) {
      points.insert(std::clamp(step.at_s, 1, w->duration_s));
      points.insert(std::clamp(step.at_s + step.ramp_s, 1, w->duration_s));
    }
  }
  const int n = topology->size();
  std::vector<double> peak(n, 0.0);
  std::vector<double> rates(topology->sources().size());
  std::vector<double> input;
  std::vector<double> output;
  for (int t : points) {
    for (size_t s = 0; s < rates.size(); ++s) {
      rates[s] = TargetRate(topology->trace(s), t);
    }
    topology->Propagate(rates, &input, &output);
    for (int v = 0; v < n; ++v) peak[v] = std::max(peak[v], input[v]);
  }
  double feasible_scale = HUGE_VAL;
  for (int v = 0; v < n; ++v) {
    if (peak[v] <= 0) continue;
    const double best =
        topology->model(v).Sustainable(topology->arg_max_parallelism(v));
    feasible_scale = std::min(feasible_scale, best / (peak[v] * headroom));
  }
  auto max_parallelism_at = [&](double scale) {
    int most = 1;
    for (int v = 0; v < n; ++v) {
      const std::optional<int> p = topology->model(v).SmallestSufficient(
          peak[v] * scale * headroom, topology->arg_max_parallelism(v));
      most = std::max(most, p.value_or(1 << 30));
    }
    return most;
  };
  double lo = 0;
  double hi = feasible_scale;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (max_parallelism_at(mid) <= target.peak_parallelism ? lo : hi) = mid;
  }
  double scale = std::min(lo, 0.9 * feasible_scale);
  if (target.beyond_feasible > 1) scale = feasible_scale * target.beyond_feasible;
  for (auto& [id, steps] : w->sources) {
    for (RateStep& step : steps) {
      step.rate = std::max(1.0, std::round(step.rate * scale));
    }
  }
  return scale;
}

}  // namespace streamtune::sim
