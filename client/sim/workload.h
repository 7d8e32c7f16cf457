// Workload files of the simulated engine (docs/workloads.md): the
// Workload struct, strict JSON parsing and validation (every error names the
// JSON path of the offending value), JSON writing, and the rate-trace function.
// Plain data and pure functions: thread-compatible, no shared state.
#ifndef STREAMTUNE_CLIENT_SIM_WORKLOAD_H_
#define STREAMTUNE_CLIENT_SIM_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::sim {

// Bounds that keep a simulation's cost bounded. They mirror the server's
// snapshot limits so every simulated snapshot is a valid request.
inline constexpr int kMaxDurationS = 7 * 24 * 3600;
inline constexpr int kMaxOperators = 1000;
inline constexpr int kMaxEdges = 10000;
inline constexpr int kMaxParallelismLimit = 32768;
inline constexpr int kMaxMetricsWindowS = 86400;
inline constexpr int kDefaultMaxParallelism = 128;

struct OperatorSpec {
  std::string id;
  v1::OperatorKind kind = v1::OPERATOR_KIND_UNSPECIFIED;
  double capacity = 0;       // c: records/s of one instance, no contention.
  double selectivity = 1;    // s: output records per input record (sink: 0).
  double contention = 0;     // σ: overhead per extra instance.
  double hot_key_share = 0;  // h: only matters behind a hash input edge.
  int parallelism = 1;       // Initial parallelism.
  int max_parallelism = kDefaultMaxParallelism;  // P.
};

struct EdgeSpec {
  std::string from;
  std::string to;
  v1::Partitioning partitioning = v1::PARTITIONING_UNSPECIFIED;
  double fraction = 1;  // Share of the producer's output on this edge.
};

// One step of a source's rate trace. From `at_s` on the target rate is
// `rate`; with `ramp_s` > 0 it moves linearly from the previous step's rate
// to `rate` over `ramp_s` seconds starting at `at_s`.
struct RateStep {
  int at_s = 0;
  double rate = 0;
  int ramp_s = 0;  // 0: a plain step.
};

struct Workload {
  std::string name;  // Also the job id of the simulated job.
  v1::MetricSemantics semantics = v1::METRIC_SEMANTICS_FLINK;
  int duration_s = 0;
  int64_t seed = 0;
  double noise_sd = 0.02;
  int decision_interval_s = 60;
  int metrics_window_s = 60;
  int restart_downtime_s = 30;  // The JSON default is 5 for timely.
  int lag_slo_s = 60;
  int catch_up_s = 300;
  std::vector<OperatorSpec> operators;
  std::vector<EdgeSpec> edges;
  // Rate trace per source operator id.
  std::map<std::string, std::vector<RateStep>> sources;
};

// Parses and validates a workload file's text. `source_name` (a file name,
// may be empty) is appended to error messages as " (in NAME)". On any
// violation returns INVALID_ARGUMENT listing every error found, separated by
// "; ", each starting with its JSON path, e.g.
// `operators[2].capacity: must be > 0, got -1`. Unknown and duplicate keys are
// errors; the file is rejected as a whole.
absl::StatusOr<Workload> ParseWorkload(absl::string_view json_text,
                                       absl::string_view source_name);

// Reads and parses the file at `path`. NOT_FOUND when it cannot be read,
// otherwise as ParseWorkload.
absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path);

// Checks a Workload built in code with the same rules (and the same JSON
// paths in the messages) as ParseWorkload: value ranges, unique ids, edges
// between known operators, an acyclic graph, every operator reachable from a
// source, sources with a trace and no input edge, sinks without output edges,
// and well-formed traces. OK or INVALID_ARGUMENT.
absl::Status ValidateWorkload(const Workload& workload);

// Writes `workload` in the file format (pretty-printed, 2-space indent);
// ParseWorkload of the result gives back an equal Workload.
std::string WorkloadToJson(const Workload& workload);

// The target rate of a trace at time `t` (seconds): the rate of the last step
// with at_s <= t, or, inside that step's ramp, the linear interpolation from
// the previous step's rate. Before the first step: the first step's rate.
// `steps` must be non-empty and sorted by at_s.
double TargetRate(const std::vector<RateStep>& steps, double t);

// File-format names of the enums ("keyed_aggregate", "hash", "timely").
absl::string_view OperatorKindName(v1::OperatorKind kind);
absl::string_view PartitioningName(v1::Partitioning partitioning);
absl::string_view SemanticsName(v1::MetricSemantics semantics);

bool operator==(const OperatorSpec& a, const OperatorSpec& b);
bool operator==(const EdgeSpec& a, const EdgeSpec& b);
bool operator==(const RateStep& a, const RateStep& b);
bool operator==(const Workload& a, const Workload& b);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_WORKLOAD_H_
