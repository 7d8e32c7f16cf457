// The benchmark's core: run one policy on one simulated workload through
// streamtuned (the same gRPC path an engine client takes) and keep what the
// report needs.
#ifndef STREAMTUNE_BENCH_BENCH_RUNNER_H_
#define STREAMTUNE_BENCH_BENCH_RUNNER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "bench/bench_run.h"
#include "client/sim/workload.h"
#include "client/streamtune_client.h"

namespace streamtune::bench {

// Called after every decision with the run so far (for progress output).
using DecisionPrinter =
    std::function<void(const std::string& policy, const TimelineEntry& entry)>;

// Runs `policy` on `workload` in simulated time, asking `client` at every
// decision point. The job id is "<workload>.<policy>" so policies never share
// a job's history. `client` is borrowed. Errors from the service end the run.
absl::StatusOr<BenchRun> RunPolicyOnWorkload(const sim::Workload& workload,
                                             const std::string& policy,
                                             StreamTuneClient* client,
                                             const DecisionPrinter& print = nullptr);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_BENCH_RUNNER_H_
