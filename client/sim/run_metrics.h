// The evaluation metrics of one run (docs/simulator.md §7), computed from the
// per-second trace, the decisions and the oracle. Pure functions over plain
// data: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_RUN_METRICS_H_
#define STREAMTUNE_CLIENT_SIM_RUN_METRICS_H_

#include <limits>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/engine.h"
#include "client/sim/oracle.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

// steps_to_converge of a rate change after which the job never converged.
inline constexpr double kNeverConverged = std::numeric_limits<double>::infinity();

// One call of the policy at decision time t.
struct Decision {
  int t = 0;
  std::vector<int> before;  // Parallelism when the snapshot was taken.
  std::vector<int> after;   // After Apply (clamped); == before if not applied.
  bool applied = false;     // Whether it was a reconfiguration.
};

// A rate change and the seconds it governs: [at_s, end_s], where end_s is
// the second before the next rate change (or the run's last second).
//
// Definition. A rate change is a step of any source's trace: the distinct
// at_s values over all sources' steps, the initial step at 0 included (the
// job must also converge to the initial rates). A ramp counts as one change
// at its start. A change whose seconds are all overridden by a later change
// (e.g. at 0 when the next is at 1; simulated seconds start at 1) governs no
// second and is dropped.
//
// steps_to_converge: the number of reconfigurations applied at decision
// times t in [at_s, end_s] if the last configuration of that period is
// backpressure-free; kNeverConverged otherwise. "Stays unchanged until the
// next rate change" means the configuration in effect at end_s, so the
// last configuration counts as converged iff the job is running and
// backpressure-free (TickRecord::backpressure_free) at second end_s and no
// reconfiguration was applied at end_s itself (a configuration applied then
// never ran within the period).
struct RateChange {
  int at_s = 0;
  int end_s = 0;
  int reconfigurations = 0;
  double steps_to_converge = kNeverConverged;
};

struct RunMetrics {
  int reconfigurations = 0;
  // Time average over seconds 1 .. duration_s of Σ_v p_v; during downtime
  // the new configuration counts (its resources are being held).
  double avg_total_parallelism = 0;
  double parallelism_vs_oracle = 0;
  // Fraction of feasible seconds (every operator feasible for the oracle)
  // in which the job runs, every source reads >= 0.99·R(t) and every
  // source's lag is <= lag_slo_s·R(t) records. NaN when no second is
  // feasible.
  double slo_attainment = 0;
  int feasible_seconds = 0;
  // Time average / maximum over seconds of max over sources of lag / R(t).
  double avg_lag_s = 0;
  double max_lag_s = 0;
  std::vector<RateChange> rate_changes;
  int oracle_reconfigurations = 0;
  double avg_oracle_total_parallelism = 0;

  // steps_to_converge of every rate change, in order.
  std::vector<double> steps_to_converge() const;
};

// Start seconds of the rate changes defined above, sorted (at_s values of all
// trace steps, deduplicated, including 0, excluding any >= duration_s).
std::vector<int> RateChangeTimes(const Workload& workload);

// Computes every §7 metric. `trace` must hold seconds 1 .. duration_s in
// order and `decisions` must be sorted by t; INVALID_ARGUMENT otherwise.
absl::StatusOr<RunMetrics> ComputeRunMetrics(const Workload& workload,
                                             const OracleSchedule& oracle,
                                             const std::vector<TickRecord>& trace,
                                             const std::vector<Decision>& decisions);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_RUN_METRICS_H_
