// An operator's capacity as a function of its parallelism, fitted from this
// job's own metrics (docs/algorithm.md §3.5, "reconcile with observed evidence",
// made quantitative). Busy time tells, at every observed parallelism p:
//   - the per-instance rate u(p) = records_in / p / (busy_avg / 1000), and
//   - the busiest instance's share of the input,
//     share(p) = busy_max / (busy_avg · p).
// Sub-linear scaling from coordination shows up as 1/u(p) growing with p;
// skew (a hot key) as share(p) staying above 1/p. With the model
//   C(p) = u(1) / ((1 + σ·(p − 1)) · (h + (1 − h)/p))
// (the usual contention/Amdahl-style family; σ = h = 0 is DS2's linear
// assumption) one observed parallelism fixes u(1)·/(1+σ(p-1)) and h, and two
// distinct parallelisms fix σ too. Until then σ is unknown and the policy
// asks the learned model how much contention to expect. Torch-free.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CAPACITY_CURVE_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CAPACITY_CURVE_H_

#include <optional>
#include <vector>

#include "server/core/policy.h"

namespace streamtune {

struct CapacityCurve {
  double base_rate = 0;      // u(1): records/s of one instance, no contention.
  double contention = 0;     // σ >= 0 (0 while unknown).
  double hot_key_share = 0;  // h in [0, 1).
  // True when σ was fitted from at least two distinct parallelisms.
  bool contention_known = false;
  // Distinct parallelisms the fit saw, and the largest of them.
  int observed_parallelisms = 0;
  int largest_observed = 0;

  // Records/s the operator sustains at parallelism p (C(p) above).
  double Capacity(int p) const;
  // Smallest p in [1, max_p] with Capacity(p) >= demand; when none, the
  // smallest p with at least kNearMaximum of the largest capacity in
  // [1, max_p] (more would only cost).
  int SmallestSustaining(double demand, int max_p) const;
  static constexpr double kNearMaximum = 0.97;
};

// One curve per operator of the current snapshot (indexed like it), from the
// current snapshot and every settled snapshot of the job's history with the
// same operators; nullopt for an operator without usable busy time (idle,
// or metrics missing).
std::vector<std::optional<CapacityCurve>> FitCapacityCurves(const PolicyInput& input);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CAPACITY_CURVE_H_
