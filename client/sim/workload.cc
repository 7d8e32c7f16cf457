// The Workload value type: enum names of the file format, equality and the
// rate trace. Parsing lives in workload_json.cc, checks in
// workload_validation.cc.
#include "client/sim/workload.h"

#include <algorithm>
#include <tuple>

namespace streamtune::sim {

absl::string_view OperatorKindName(v1::OperatorKind kind) {
  switch (kind) {
    case v1::OPERATOR_KIND_SOURCE:
      return "source";
    case v1::OPERATOR_KIND_MAP:
      return "map";
    case v1::OPERATOR_KIND_FILTER:
      return "filter";
    case v1::OPERATOR_KIND_FLAT_MAP:
      return "flat_map";
    case v1::OPERATOR_KIND_KEYED_AGGREGATE:
      return "keyed_aggregate";
    case v1::OPERATOR_KIND_WINDOW_AGGREGATE:
      return "window_aggregate";
    case v1::OPERATOR_KIND_JOIN:
      return "join";
    case v1::OPERATOR_KIND_PROCESS:
      return "process";
    case v1::OPERATOR_KIND_SINK:
      return "sink";
    default:
      return "unspecified";
  }
}

absl::string_view PartitioningName(v1::Partitioning partitioning) {
  switch (partitioning) {
    case v1::PARTITIONING_FORWARD:
      return "forward";
    case v1::PARTITIONING_REBALANCE:
      return "rebalance";
    case v1::PARTITIONING_HASH:
      return "hash";
    case v1::PARTITIONING_BROADCAST:
      return "broadcast";
    default:
      return "unspecified";
  }
}

absl::string_view SemanticsName(v1::MetricSemantics semantics) {
  switch (semantics) {
    case v1::METRIC_SEMANTICS_FLINK:
      return "flink";
    case v1::METRIC_SEMANTICS_TIMELY:
      return "timely";
    default:
      return "unspecified";
  }
}

double TargetRate(const std::vector<RateStep>& steps, double t) {
  if (steps.empty()) return 0;
  // The last step with at_s <= t.
  auto it = std::upper_bound(
      steps.begin(), steps.end(), t,
      [](double time, const RateStep& step) { return time < step.at_s; });
  if (it == steps.begin()) return steps.front().rate;
  const size_t i = static_cast<size_t>(it - steps.begin()) - 1;
  const RateStep& step = steps[i];
  if (step.ramp_s <= 0 || i == 0 || t >= step.at_s + step.ramp_s) {
    return step.rate;
  }
  // Inside the ramp: linear from the previous step's rate. Validation makes
  // every ramp end before the next step, so that rate has been reached.
  const double previous = steps[i - 1].rate;
  return previous + (step.rate - previous) * (t - step.at_s) / step.ramp_s;
}

bool operator==(const OperatorSpec& a, const OperatorSpec& b) {
  return std::tie(a.id, a.kind, a.capacity, a.selectivity, a.contention,
                  a.hot_key_share, a.parallelism, a.max_parallelism) ==
         std::tie(b.id, b.kind, b.capacity, b.selectivity, b.contention,
                  b.hot_key_share, b.parallelism, b.max_parallelism);
}

bool operator==(const EdgeSpec& a, const EdgeSpec& b) {
  return std::tie(a.from, a.to, a.partitioning, a.fraction) ==
         std::tie(b.from, b.to, b.partitioning, b.fraction);
}

bool operator==(const RateStep& a, const RateStep& b) {
  return std::tie(a.at_s, a.rate, a.ramp_s) == std::tie(b.at_s, b.rate, b.ramp_s);
}

bool operator==(const Workload& a, const Workload& b) {
  return std::tie(a.name, a.semantics, a.duration_s, a.seed, a.noise_sd,
                  a.decision_interval_s, a.metrics_window_s, a.restart_downtime_s,
                  a.lag_slo_s, a.catch_up_s, a.operators, a.edges, a.sources) ==
         std::tie(b.name, b.semantics, b.duration_s, b.seed, b.noise_sd,
                  b.decision_interval_s, b.metrics_window_s, b.restart_downtime_s,
                  b.lag_slo_s, b.catch_up_s, b.operators, b.edges, b.sources);
}

}  // namespace streamtune::sim
