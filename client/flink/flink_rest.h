// Pure functions over Flink JobManager REST answers (JSON text in, plain
// structs out) and the resource-requirements body the client sends. No I/O:
// tested with answers recorded from Flink 1.20.3 (testdata/) and 2.3.0
// (testdata/flink-2.3/; docs/engines.md, "Flink 1.20 vs 2.x").
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_REST_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_REST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace streamtune::flink {

// Every parser returns INVALID_ARGUMENT naming the JSON path of the first
// missing or mistyped field, or saying the text is not JSON.

// GET /jobs/overview: one entry per job.
struct FlinkJobSummary {
  std::string id;  // 32 hex digits.
  std::string name;
  std::string state;  // RUNNING, RESTARTING, FINISHED, ...
};
absl::StatusOr<std::vector<FlinkJobSummary>> ParseJobsOverview(absl::string_view json);

struct FlinkVertex {
  std::string id;
  std::string name;
  std::string status;   // RUNNING once every subtask runs.
  int parallelism = 0;  // The running value (trust it over the plan).
  int max_parallelism = 0;
};

// GET /jobs/:jid.
struct FlinkJob {
  std::string id;
  std::string name;
  std::string state;
  int64_t now_ms = 0;            // The JobManager's clock when it answered.
  int64_t running_since_ms = 0;  // timestamps.RUNNING; moves on every restart.
  // Flink 2.x only ("schedulerType": "Adaptive", "Default", ...); empty on
  // 1.20, which does not say.
  std::string scheduler_type;
  // Flink 2.x only ("pending-operators"): operators not yet turned into
  // vertices (a job graph generated incrementally); 0 on 1.20.
  int64_t pending_operators = 0;
  std::vector<FlinkVertex> vertices;
};
absl::StatusOr<FlinkJob> ParseJobDetails(absl::string_view json);

// FINISHED, CANCELED, FAILED: the job will not run again.
bool IsTerminalJobState(absl::string_view state);
// The job is RUNNING, so is every vertex, and no operator is pending.
bool FullyRunning(const FlinkJob& job);
// The job says which scheduler runs it (2.x) and it is not the adaptive one,
// so a resource-requirements PUT cannot rescale it.
bool KnownNotAdaptive(const FlinkJob& job);

// GET /config: the cluster's "flink-version" (e.g. "1.20.3", "2.3.0").
absl::StatusOr<std::string> ParseFlinkVersion(absl::string_view json);

// GET /jobs/:jid/plan: one entry per input of a node (edges appear only on
// the consuming node; sources have no "inputs" key).
struct FlinkInput {
  std::string from;           // Producer vertex id.
  std::string to;             // Consumer vertex id.
  std::string ship_strategy;  // HASH, FORWARD, REBALANCE, RESCALE, BROADCAST, ...
};
absl::StatusOr<std::vector<FlinkInput>> ParsePlanInputs(absl::string_view json);

// GET /jobs/:jid/vertices/:vid/subtasks/metrics (no `get`): the names.
absl::StatusOr<std::vector<std::string>> ParseMetricNames(absl::string_view json);

// GET .../subtasks/metrics?get=...&agg=...: aggregates over subtasks. A
// value Flink could not compute (NaN or infinite, written as a string or a
// bare token), null, or not asked for is nullopt.
struct AggregatedMetric {
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> avg;
  std::optional<double> sum;
};
using AggregatedMetrics = absl::flat_hash_map<std::string, AggregatedMetric>;
absl::StatusOr<AggregatedMetrics> ParseAggregatedMetrics(absl::string_view json);

// GET /jobs/:jid/metrics?get=runningTime,uptime: how long the job had been
// RUNNING (ms) when the JobManager collected its metrics, from `runningTime`
// (a job status metric; 1.20.5 reports it, checked live) or else `uptime`
// (the older name, deprecated in 2.x). nullopt when neither is reported or
// the job was not running (uptime -1).
absl::StatusOr<std::optional<int64_t>> ParseJobRunningTime(absl::string_view json);

// GET/PUT /jobs/:jid/resource-requirements, keyed by vertex id (ordered, so
// the body is deterministic).
struct ParallelismBounds {
  int lower = 1;
  int upper = 1;
};
using ResourceRequirements = std::map<std::string, ParallelismBounds>;
absl::StatusOr<ResourceRequirements> ParseResourceRequirements(absl::string_view json);
std::string ResourceRequirementsJson(const ResourceRequirements& requirements);

// The full map to PUT for `target` (vertex id -> parallelism), following
// docs/engines.md (checked on 1.20 and 2.3: a map missing a vertex, or an upper bound
// above maxParallelism, is a 400 from Dispatcher.validateMaxParallelism):
// every vertex named, upper = target, lower = min(target,
// current lower) — raising a lower bound above the free slots can fail the
// job. INVALID_ARGUMENT when `target` and `current` name different vertices
// or a target is below 1.
absl::StatusOr<ResourceRequirements> RequirementsFor(
    const ResourceRequirements& current, const std::map<std::string, int>& target);

// The first line of the first entry of Flink's {"errors": [...]} body (the
// rest is a Java stack trace) — of the second when the first is a 500's
// "Internal server error." — at most 300 characters; the raw body (capped)
// when it has no such shape.
std::string FlinkErrorMessage(absl::string_view body);

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_REST_H_
