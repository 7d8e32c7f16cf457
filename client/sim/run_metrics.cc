#include "client/sim/run_metrics.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace streamtune::sim {
namespace {

// A source reading at least this share of R(t) keeps up (§7).
constexpr double kReadShareForSlo = 0.99;

// max over sources of lag / R(t), in seconds of input.
double LagSeconds(const TickRecord& tick) {
  double lag_s = 0;
  for (size_t s = 0; s < tick.lag.size(); ++s) {
    lag_s = std::max(lag_s, tick.lag[s] / tick.target_rate[s]);
  }
  return lag_s;
}

bool MeetsSlo(const TickRecord& tick, int lag_slo_s) {
  if (!tick.running) return false;
  for (size_t s = 0; s < tick.lag.size(); ++s) {
    if (tick.source_rate[s] < kReadShareForSlo * tick.target_rate[s]) {
      return false;
    }
    if (tick.lag[s] > lag_slo_s * tick.target_rate[s]) return false;
  }
  return true;
}

}  // namespace

std::vector<double> RunMetrics::steps_to_converge() const {
  std::vector<double> steps;
  for (const RateChange& change : rate_changes) {
    steps.push_back(change.steps_to_converge);
  }
  return steps;
}

std::vector<int> RateChangeTimes(const Workload& workload) {
  std::set<int> times;
  for (const auto& [id, steps] : workload.sources) {
    for (const RateStep& step : steps) {
      if (step.at_s < workload.duration_s) times.insert(step.at_s);
    }
  }
  return std::vector<int>(times.begin(), times.end());
}

absl::StatusOr<RunMetrics> ComputeRunMetrics(const Workload& workload,
                                             const OracleSchedule& oracle,
                                             const std::vector<TickRecord>& trace,
                                             const std::vector<Decision>& decisions) {
  const int duration = workload.duration_s;
  if (static_cast<int>(trace.size()) != duration) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace: expected ", duration, " seconds, got ", trace.size()));
  }
  for (int i = 0; i < duration; ++i) {
    if (trace[i].t != i + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("trace[", i, "].t: expected ", i + 1, ", got ", trace[i].t));
    }
  }
  for (size_t i = 1; i < decisions.size(); ++i) {
    if (decisions[i].t < decisions[i - 1].t) {
      return absl::InvalidArgumentError(
          absl::StrCat("decisions[", i, "].t: not sorted by time"));
    }
  }
  RunMetrics m;
  for (const Decision& d : decisions) m.reconfigurations += d.applied ? 1 : 0;

  double parallelism_sum = 0;
  double lag_sum = 0;
  int slo_met = 0;
  for (const TickRecord& tick : trace) {
    parallelism_sum += tick.total_parallelism;
    const double lag_s = LagSeconds(tick);
    lag_sum += lag_s;
    m.max_lag_s = std::max(m.max_lag_s, lag_s);
    if (oracle.At(tick.t).feasible) {
      ++m.feasible_seconds;
      if (MeetsSlo(tick, workload.lag_slo_s)) ++slo_met;
    }
  }
  m.avg_total_parallelism = parallelism_sum / duration;
  m.avg_lag_s = lag_sum / duration;
  m.slo_attainment = m.feasible_seconds > 0
                         ? static_cast<double>(slo_met) / m.feasible_seconds
                         : std::nan("");
  m.avg_oracle_total_parallelism = oracle.AverageTotalParallelism();
  m.parallelism_vs_oracle = m.avg_total_parallelism / m.avg_oracle_total_parallelism;

  std::vector<int> initial;
  for (const OperatorSpec& op : workload.operators) {
    initial.push_back(op.parallelism);
  }
  m.oracle_reconfigurations =
      oracle.changes() + (initial != oracle.At(1).parallelism ? 1 : 0);

  const std::vector<int> times = RateChangeTimes(workload);
  for (size_t i = 0; i < times.size(); ++i) {
    RateChange change;
    change.at_s = times[i];
    change.end_s = i + 1 < times.size() ? times[i + 1] - 1 : duration;
    if (std::max(change.at_s, 1) > change.end_s) continue;
    bool applied_at_end = false;
    for (const Decision& d : decisions) {
      if (!d.applied || d.t < change.at_s || d.t > change.end_s) continue;
      ++change.reconfigurations;
      applied_at_end = applied_at_end || d.t == change.end_s;
    }
    const TickRecord& last = trace[change.end_s - 1];
    if (last.running && last.backpressure_free && !applied_at_end) {
      change.steps_to_converge = change.reconfigurations;
    }
    m.rate_changes.push_back(change);
  }
  return m;
}

}  // namespace streamtune::sim
