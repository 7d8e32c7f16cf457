// results.json <-> BenchRun: the docs/simulator.md §7 metrics, the rate changes
// and the per-decision timeline of every run, so a report can be regenerated
// from a results file. The per-second series are not written.
// Pure functions over plain data: thread-safe.
#ifndef STREAMTUNE_BENCH_RESULTS_JSON_H_
#define STREAMTUNE_BENCH_RESULTS_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/bench_run.h"

namespace streamtune::bench {

// Renders {"runs": [...]}, one object per run, in the given order, with keys
// workload, policy, operator_ids, source_ids, the §7 metrics under their §7
// names (reconfigurations, avg_total_parallelism, parallelism_vs_oracle,
// slo_attainment, avg_lag_s, max_lag_s, steps_to_converge,
// oracle_reconfigurations), avg_oracle_total_parallelism, feasible_seconds,
// wall_seconds, rate_changes [{at_s, end_s, reconfigurations,
// steps_to_converge}] and timeline [{t, applied, before, after, total_before,
// total_after, reason}].
//
// JSON has no infinity or NaN, so every non-finite number is written as
// null: in steps_to_converge null means "never converged" (kNeverConverged);
// elsewhere it means NaN (e.g. slo_attainment with no feasible second).
std::string ResultsToJson(const std::vector<BenchRun>& runs);

// Reads what ResultsToJson wrote back into BenchRuns (metrics, rate changes,
// timeline; the per-second series stay empty). null in steps_to_converge
// becomes kNeverConverged, null in any other number NaN. rate_changes may be
// absent: then one RateChange per steps_to_converge entry is made, with
// at_s = end_s = reconfigurations = 0. Unknown keys are ignored. Returns
// INVALID_ARGUMENT naming the JSON path of the first missing or mistyped key,
// or the parse error.
absl::StatusOr<std::vector<BenchRun>> ResultsFromJson(absl::string_view text);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_RESULTS_JSON_H_
