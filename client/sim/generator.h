// Seeded generator of workloads from the DAG families of docs/workloads.md (chain,
// diamond, two_source_join, nexmark_q1..nexmark_q8, fan_out, deep_keyed),
// with randomised capacities, selectivities, contention, hot keys and rates
// from one of two rate families: steps, ramps and spikes, or windows of real
// traces. Rates are scaled so that the oracle needs a moderate parallelism at
// the peak and (for about nine workloads in ten) the whole trace is feasible
// at max_parallelism. Pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_GENERATOR_H_
#define STREAMTUNE_CLIENT_SIM_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/sim/rate_trace.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

// The family names GenerateWorkload accepts, in a fixed order.
const std::vector<std::string>& WorkloadFamilies();

// How the source rates of a generated workload move.
enum class RateFamily {
  // 1-4 steps, ramps or spikes over 30-120 simulated minutes.
  kSteps,
  // A window of a real trace replayed one point per simulated minute
  // (trace_rates.h): every source follows one trace with its own weight, or
  // each its own trace and window. 120, 180 or 240 minutes.
  kTrace,
};

// "steps" or "trace", the names on the command line.
absl::string_view RateFamilyName(RateFamily family);
// INVALID_ARGUMENT naming the known names for anything else.
absl::StatusOr<RateFamily> ParseRateFamily(absl::string_view name);

struct RateOptions {
  RateFamily family = RateFamily::kSteps;
  // kTrace: the traces sources may follow, drawn by the seed; empty means the
  // shipped ones (BuiltinRateTraces), e.g. one user-supplied CSV file.
  std::vector<RateTrace> traces;
  // kTrace: trace points = simulated minutes; 0 draws 120, 180 or 240. Capped
  // by the shortest trace.
  int points = 0;
};

// One workload of `family`, named "<family>-<seed>" (steps) or
// "<family>-trace-<seed>". The same (family, seed, rates) gives the same
// workload on every machine (the generator uses its own uniform draws on
// std::mt19937_64, no std distributions), and both rate families give the
// same DAG and engine settings for one (family, seed). The result always
// passes ValidateWorkload. INVALID_ARGUMENT for an unknown family or a trace
// shorter than 2 points.
absl::StatusOr<Workload> GenerateWorkload(absl::string_view family, uint64_t seed,
                                          const RateOptions& rates);
// The steps family: GenerateWorkload(family, seed, RateOptions()).
absl::StatusOr<Workload> GenerateWorkload(absl::string_view family, uint64_t seed);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_GENERATOR_H_
