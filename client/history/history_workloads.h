// Choosing the workloads of a generated history: seeded round-robin over the
// generator's families, shortened to a few simulated minutes each, a share of
// them driven by real traces instead of steps, skipping every workload whose
// DAG equals that of an excluded workload (the benchmark suite,
// bench/workloads, must stay unseen by pre-training). Pure functions:
// thread-safe.
#ifndef STREAMTUNE_CLIENT_HISTORY_HISTORY_WORKLOADS_H_
#define STREAMTUNE_CLIENT_HISTORY_HISTORY_WORKLOADS_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/workload.h"

namespace streamtune::history {

// The DAG fingerprint the service stores for this workload's job: common/
// fingerprint.h DagFingerprint of the first snapshot the simulated engine
// takes of it. INVALID_ARGUMENT for an invalid workload.
absl::StatusOr<std::string> WorkloadDagFingerprint(const sim::Workload& workload);

// `workload` compressed in time to `duration_s`: every rate step's at_s and
// ramp_s are scaled by duration_s / workload.duration_s (so its rate changes
// stay inside the shorter run), then nudged so the trace stays well formed.
// INVALID_ARGUMENT when duration_s <= 0 or the result does not validate.
absl::StatusOr<sim::Workload> ShortenWorkload(const sim::Workload& workload,
                                              int duration_s);

// Share of the jobs whose rates replay real traces (sim::RateFamily::kTrace):
// the history then holds the slow, noisy swings of real load beside the
// steps of the benchmark-like jobs.
inline constexpr double kDefaultTraceShare = 1.0 / 3;

struct PlanOptions {
  int jobs = 300;
  uint64_t seed = 1;
  // Each job runs a whole number of simulated minutes drawn from [min, max].
  int min_minutes = 20;
  int max_minutes = 40;
  // Families to rotate through; empty means sim::WorkloadFamilies().
  std::vector<std::string> families;
  // DAG fingerprints (WorkloadDagFingerprint) no planned workload may have.
  std::set<std::string> excluded_fingerprints;
  // A family whose this many consecutive draws are all excluded is dropped
  // from the rotation (its DAG is fixed, e.g. a Nexmark query plan that the
  // benchmark suite uses).
  int max_draws_per_family = 40;
  // Share of the jobs driven by a trace, in [0, 1], spread evenly over the
  // plan (with 1/3: jobs 3, 6, 9, ...). A trace job replays `minutes` trace
  // points, one per simulated minute, instead of a shortened steps workload.
  double trace_share = kDefaultTraceShare;
};

struct WorkloadPlan {
  // Named "<family>-<seed>" or "<family>-trace-<seed>", unique.
  std::vector<sim::Workload> workloads;
  int trace_jobs = 0;      // Of which trace-driven.
  int excluded_draws = 0;  // Draws skipped for their DAG.
  std::vector<std::string> dropped_families;
};

// Deterministic for the options. The workload seed of draw k is a hash of
// (seed, min_minutes, max_minutes, k), so runs with other options use other
// job names. INVALID_ARGUMENT for bad options or an unknown family;
// FAILED_PRECONDITION when every family had to be dropped.
absl::StatusOr<WorkloadPlan> PlanWorkloads(const PlanOptions& options);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_HISTORY_WORKLOADS_H_
