#include "client/sim/oracle.h"

#include <algorithm>

#include "common/status_macros.h"

namespace streamtune::sim {

OracleConfig OracleFor(const Topology& topology, const Workload& workload,
                       const std::vector<double>& rates) {
  const int n = topology.size();
  OracleConfig config;
  std::vector<double> output;
  topology.Propagate(rates, &config.demand, &output);
  const double headroom =
      1.0 + static_cast<double>(workload.restart_downtime_s) / workload.catch_up_s;
  config.parallelism.resize(n);
  config.operator_feasible.resize(n);
  for (int v = 0; v < n; ++v) {
    const int arg_max = topology.arg_max_parallelism(v);
    const std::optional<int> p =
        topology.model(v).SmallestSufficient(config.demand[v] * headroom, arg_max);
    config.parallelism[v] = p.value_or(arg_max);
    config.operator_feasible[v] = p.has_value();
    config.feasible = config.feasible && p.has_value();
    config.total_parallelism += config.parallelism[v];
  }
  return config;
}

absl::StatusOr<OracleSchedule> OracleSchedule::Compute(const Workload& workload) {
  STREAMTUNE_ASSIGN_OR_RETURN(Topology topology, Topology::Build(workload));
  OracleSchedule schedule;
  schedule.duration_s_ = workload.duration_s;
  const size_t num_sources = topology.sources().size();
  std::vector<double> rates(num_sources);
  std::vector<double> previous_rates;
  for (int t = 1; t <= workload.duration_s; ++t) {
    for (size_t s = 0; s < num_sources; ++s) {
      rates[s] = TargetRate(topology.trace(s), t);
    }
    if (rates == previous_rates) {
      schedule.segments_.back().last_s = t;
      continue;
    }
    previous_rates = rates;
    OracleConfig config = OracleFor(topology, workload, rates);
    if (!schedule.segments_.empty()) {
      OracleSegment& last = schedule.segments_.back();
      if (last.config.parallelism == config.parallelism &&
          last.config.feasible == config.feasible &&
          last.config.operator_feasible == config.operator_feasible) {
        // Same configuration: extend (the demand shown is the segment's
        // first second's).
        last.last_s = t;
        continue;
      }
    }
    schedule.segments_.push_back(OracleSegment{t, t, std::move(config)});
  }
  return schedule;
}

const OracleConfig& OracleSchedule::At(int t) const {
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), t,
      [](int time, const OracleSegment& segment) { return time < segment.first_s; });
  if (it != segments_.begin()) --it;
  return it->config;
}

int OracleSchedule::changes() const {
  int changes = 0;
  for (size_t i = 1; i < segments_.size(); ++i) {
    if (segments_[i].config.parallelism != segments_[i - 1].config.parallelism) {
      ++changes;
    }
  }
  return changes;
}

double OracleSchedule::AverageTotalParallelism() const {
  double sum = 0;
  for (const OracleSegment& segment : segments_) {
    sum += static_cast<double>(segment.config.total_parallelism) *
           (segment.last_s - segment.first_s + 1);
  }
  return duration_s_ > 0 ? sum / duration_s_ : 0;
}

}  // namespace streamtune::sim
