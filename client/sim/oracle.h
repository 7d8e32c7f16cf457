// The oracle of docs/simulator.md §6: per second, the smallest parallelism of
// every operator that sustains its unthrottled demand with the restart
// headroom 1 + restart_downtime_s / catch_up_s, computed from the true target
// rates (which no policy sees). Pure functions and plain data: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_ORACLE_H_
#define STREAMTUNE_CLIENT_SIM_ORACLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/topology.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

// The oracle configuration for one vector of source rates.
struct OracleConfig {
  std::vector<int> parallelism;  // Per operator, in workload order.
  // Per operator: false when no p in [1, P] reaches the required rate (the
  // oracle then takes the smallest p maximising C(p)).
  std::vector<bool> operator_feasible;
  bool feasible = true;  // Every operator feasible.
  // λ_v: unthrottled input rate with every source reading exactly R(t).
  std::vector<double> demand;
  int total_parallelism = 0;
};

// The oracle for source rates `rates` (per source position): per operator
// the smallest p with C(p) >= λ_v · (1 + restart_downtime_s / catch_up_s).
OracleConfig OracleFor(const Topology& topology, const Workload& workload,
                       const std::vector<double>& rates);

// A run of consecutive seconds with the same oracle configuration.
struct OracleSegment {
  int first_s = 0;  // Inclusive.
  int last_s = 0;   // Inclusive.
  OracleConfig config;
};

// The oracle over a whole run, seconds 1 .. duration_s. Target rates are
// constant between trace steps and change every second on a ramp, so the
// oracle is recomputed whenever R(t) changes and consecutive seconds with the
// same parallelism and feasibility are merged into one segment.
class OracleSchedule {
 public:
  // Validates the workload (INVALID_ARGUMENT) and computes the schedule.
  static absl::StatusOr<OracleSchedule> Compute(const Workload& workload);

  const std::vector<OracleSegment>& segments() const { return segments_; }
  // The configuration in effect at second `t` (clamped into [1, duration]).
  const OracleConfig& At(int t) const;
  // Number of changes of the parallelism between consecutive seconds
  // (segments also split where only the feasibility changes).
  int changes() const;
  // Time average of Σ_v p_v over seconds 1 .. duration_s.
  double AverageTotalParallelism() const;
  int duration_s() const { return duration_s_; }

 private:
  std::vector<OracleSegment> segments_;
  int duration_s_ = 0;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_ORACLE_H_
