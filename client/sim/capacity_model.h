// The operator capacity model of docs/simulator.md §2: per-instance capacity, the
// busiest instance's share of the input, the sustainable input rate C(p),
// and the busy times of §4 derived from it. A small immutable value type:
// thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_CAPACITY_MODEL_H_
#define STREAMTUNE_CLIENT_SIM_CAPACITY_MODEL_H_

#include <optional>

namespace streamtune::sim {

class CapacityModel {
 public:
  // `capacity` c > 0, `contention` σ >= 0, `hot_key_share` h in [0, 1),
  // `hash_input`: whether any input edge of the operator is hash-partitioned
  // (h only matters then).
  CapacityModel(double capacity, double contention, double hot_key_share,
                bool hash_input);

  // c / (1 + σ·(p − 1)).
  double PerInstance(int p) const;
  // h + (1 − h)/p behind a hash edge, else 1/p.
  double Share(int p) const;
  // C(p) = c / ((1 + σ·(p − 1)) · share(p)).
  double Sustainable(int p) const;

  // busy_ms_per_s_max = 1000·min(1, in·share(p)·(1 + σ(p−1))/c).
  double BusyMaxMs(double input_rate, int p) const;
  // busy_ms_per_s_avg = 1000·min(1, in·(1 + σ(p−1))/(c·p)).
  double BusyAvgMs(double input_rate, int p) const;

  // The smallest p in [1, max_p] maximising C(p). C is unimodal in p (it
  // rises, then falls when contention outweighs the smaller share), so this
  // is also where it stops rising.
  int ArgMaxSustainable(int max_p) const;
  // The smallest p in [1, max_p] with C(p) >= rate, or nullopt when even
  // the best p falls short. `arg_max` must be ArgMaxSustainable(max_p).
  std::optional<int> SmallestSufficient(double rate, int arg_max) const;

  double capacity() const { return capacity_; }
  double contention() const { return contention_; }
  double hot_key_share() const { return hot_key_share_; }
  bool hash_input() const { return hash_input_; }

 private:
  double Slowdown(int p) const { return 1 + contention_ * (p - 1); }

  double capacity_;
  double contention_;
  double hot_key_share_;
  bool hash_input_;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_CAPACITY_MODEL_H_
