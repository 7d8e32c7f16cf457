// Seeded generator of workloads from the DAG families of docs/workloads.md (chain,
// diamond, two_source_join, nexmark_q1..nexmark_q8, fan_out, deep_keyed),
// with randomised capacities, selectivities, contention, hot keys and rate
// traces (steps, ramps, spikes). Rates are scaled so that the oracle needs a
// moderate parallelism at the peak and (for about nine workloads in ten) the
// whole trace is feasible at max_parallelism. Pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_GENERATOR_H_
#define STREAMTUNE_CLIENT_SIM_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

// The family names GenerateWorkload accepts, in a fixed order.
const std::vector<std::string>& WorkloadFamilies();

// One workload of `family`, named "<family>-<seed>". The same (family, seed)
// gives the same workload on every machine (the generator uses its own
// uniform draws on std::mt19937_64, no std distributions). The result always
// passes ValidateWorkload. INVALID_ARGUMENT for an unknown family.
absl::StatusOr<Workload> GenerateWorkload(absl::string_view family, uint64_t seed);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_GENERATOR_H_
