// Retry with exponential backoff and jitter for the StreamTune client. The
// backoff schedule is a pure function so it can be tested exactly; the loop
// takes its clock, sleep and randomness from a RetryEnv for the same reason.
// Everything here is thread-compatible; RealRetryEnv() is thread-safe.
#ifndef STREAMTUNE_CLIENT_RETRY_H_
#define STREAMTUNE_CLIENT_RETRY_H_

#include <functional>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace streamtune {

struct RetryPolicy {
  // Attempts in total, the first included; 1 disables retries.
  int max_attempts = 4;
  // Delay before the first retry; each later delay is `backoff_multiplier`
  // times the previous one, up to `max_backoff`.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  double backoff_multiplier = 2.0;
  absl::Duration max_backoff = absl::Seconds(2);
  // Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter] so
  // that clients failing together do not retry together; in [0, 1].
  double jitter = 0.2;
};

// INVALID_ARGUMENT naming the first bad field of `policy`.
absl::Status ValidateRetryPolicy(const RetryPolicy& policy);

// Delay before retry number `retry` (1 = after the first failed attempt):
// min(max_backoff, b * j) with b = min(max_backoff, initial_backoff *
// multiplier^(retry-1)) and j = 1 + jitter * (2 * unit_random - 1). `unit_random` is in
// [0, 1]; 0.5 gives the delay without jitter. Pure: same arguments, same result.
absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, double unit_random);

// True for the codes worth another attempt. Only UNAVAILABLE: the request
// never reached a server, or the server is shutting down. Every StreamTune
// RPC is idempotent, so a retry after a lost reply is safe as well.
bool IsRetryable(const absl::Status& status);

// Where the retry loop gets time, sleep and randomness.
struct RetryEnv {
  std::function<absl::Time()> now;
  std::function<void(absl::Duration)> sleep;
  std::function<double()> unit_random;  // uniform in [0, 1)
};

// The wall clock, absl::SleepFor and a per-thread random generator.
RetryEnv RealRetryEnv();

// Calls `attempt` until it succeeds, fails with a non-retryable status, has
// been called `policy.max_attempts` times, or the next backoff would end at
// or after `deadline`. Returns the last attempt's status. `attempt` is
// always called at least once.
absl::Status RetryLoop(const RetryPolicy& policy, absl::Time deadline,
                       const RetryEnv& env, absl::FunctionRef<absl::Status()> attempt);

// RetryLoop for calls that produce a value.
template <typename T>
absl::StatusOr<T> RetryCall(const RetryPolicy& policy, absl::Time deadline,
                            const RetryEnv& env,
                            absl::FunctionRef<absl::StatusOr<T>()> attempt) {
  absl::StatusOr<T> result = absl::UnknownError("not called");
  absl::Status status = RetryLoop(policy, deadline, env, [&]() {
    result = attempt();
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_RETRY_H_
