#include "client/sim/capacity_model.h"

#include <algorithm>

namespace streamtune::sim {

CapacityModel::CapacityModel(double capacity, double contention, double hot_key_share,
                             bool hash_input)
    : capacity_(capacity),
      contention_(contention),
      hot_key_share_(hot_key_share),
      hash_input_(hash_input) {}

double CapacityModel::PerInstance(int p) const { return capacity_ / Slowdown(p); }

double CapacityModel::Share(int p) const {
  if (hash_input_) return hot_key_share_ + (1 - hot_key_share_) / p;
  return 1.0 / p;
}

double CapacityModel::Sustainable(int p) const {
  return capacity_ / (Slowdown(p) * Share(p));
}

double CapacityModel::BusyMaxMs(double input_rate, int p) const {
  return 1000 * std::min(1.0, input_rate * Share(p) * Slowdown(p) / capacity_);
}

double CapacityModel::BusyAvgMs(double input_rate, int p) const {
  return 1000 * std::min(1.0, input_rate * Slowdown(p) / (capacity_ * p));
}

int CapacityModel::ArgMaxSustainable(int max_p) const {
  int best = 1;
  double best_rate = Sustainable(1);
  for (int p = 2; p <= max_p; ++p) {
    // A relative margin keeps rounding noise on a flat C (σ = 1 without a
    // hot key: C(p) = c for every p) from picking a larger p.
    const double rate = Sustainable(p);
    if (rate > best_rate * (1 + 1e-12)) {
      best = p;
      best_rate = rate;
    }
  }
  return best;
}

std::optional<int> CapacityModel::SmallestSufficient(double rate, int arg_max) const {
  if (Sustainable(arg_max) < rate) return std::nullopt;
  // C is non-decreasing on [1, arg_max]: binary search there.
  int lo = 1;
  int hi = arg_max;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (Sustainable(mid) >= rate) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace streamtune::sim
