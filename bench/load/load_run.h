// A closed-loop load run against one gRPC target: `concurrency` threads each
// send Recommend calls back to back for a fixed time, every call a new
// snapshot (so each one is stored, as in production). What it measures:
// throughput and the latency distribution, from the client's side.
#ifndef STREAMTUNE_BENCH_LOAD_LOAD_RUN_H_
#define STREAMTUNE_BENCH_LOAD_LOAD_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::load {

struct LoadOptions {
  std::string target;  // host:port (a replica or nginx)
  std::string tenant;  // Fresh per run keeps runs independent.
  std::string policy = "ds2";
  int concurrency = 8;                       // Threads, each with one call in flight.
  absl::Duration warmup = absl::Seconds(2);  // Calls made, not measured.
  absl::Duration duration = absl::Seconds(10);  // Measured.
  // A thread moves to a new job every this many snapshots, so every call
  // reads a short, steady history (the service reads up to 128).
  int snapshots_per_job = 16;
};

struct LoadResult {
  int64_t calls = 0;      // Measured calls that succeeded.
  int64_t errors = 0;     // Measured calls that failed (after client retries).
  double throughput = 0;  // calls per second
  absl::Duration p50;
  absl::Duration p99;
  std::string first_error;
};

// The q-quantile (0 <= q <= 1) of `latencies` by the nearest-rank method;
// zero for an empty input. Sorts `latencies`.
absl::Duration Quantile(std::vector<absl::Duration>& latencies, double q);

// Runs the load with snapshots made from `base` (ids, times and load
// changed per call). INVALID_ARGUMENT for bad options; a failing call does
// not stop the run (it counts as an error).
absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options,
                                   const v1::Snapshot& base);

}  // namespace streamtune::load

#endif  // STREAMTUNE_BENCH_LOAD_LOAD_RUN_H_
