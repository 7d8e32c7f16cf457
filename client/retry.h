// Retry with exponential backoff and jitter for the StreamTune client, until
// the call's deadline, honouring the server's pushback. The backoff schedule
// is a pure function so it can be tested exactly; the loop takes its clock,
// sleep and randomness from a RetryEnv for the same reason. Everything here
// is thread-compatible; RealRetryEnv() is thread-safe.
#ifndef STREAMTUNE_CLIENT_RETRY_H_
#define STREAMTUNE_CLIENT_RETRY_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace streamtune {

struct RetryPolicy {
  // Attempts in total, the first included; 1 disables retries. 0: no limit
  // but the call's deadline, which is what bounds a call by default (a
  // PostgreSQL restart or a replica's death is then invisible to a caller
  // whose deadline is longer than the outage).
  int max_attempts = 0;
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

// True for the codes worth another attempt: UNAVAILABLE (no server reached,
// one shutting down, PostgreSQL unreachable or restarting), RESOURCE_EXHAUSTED
// (a replica out of threads or connections) and ABORTED (a transaction that
// lost a conflict). Every StreamTune RPC is idempotent (Recommend and
// ReportSnapshot on the snapshot id), so retrying after a lost reply is safe.
// Never DEADLINE_EXCEEDED: an attempt's deadline is the call's.
bool IsRetryable(const absl::Status& status);

// What one attempt ended with, as the retry loop sees it.
struct AttemptOutcome {
  // Explicit: a lambda returning absl::Status must pick the RetryLoop
  // overload for plain statuses.
  explicit AttemptOutcome(absl::Status status,
                          std::optional<absl::Duration> pushback = std::nullopt)
      : status(std::move(status)), pushback(pushback) {}

  absl::Status status;
  // The server's pushback (gRPC's trailing metadata `grpc-retry-pushback-ms`):
  // the next attempt waits at least this long.
  std::optional<absl::Duration> pushback;
  // No retry whatever the code: the server's pushback said so (negative or
  // malformed, gRPC's convention), or the caller knows the failure is
  // deterministic (a request over the size limit).
  bool do_not_retry = false;
};

// The server's pushback from the text of a `grpc-retry-pushback-ms` value:
// a delay for a non-negative integer; nullopt with *do_not_retry set for
// anything else.
std::optional<absl::Duration> ParsePushback(const std::string& value,
                                            bool* do_not_retry);

// Where the retry loop gets time, sleep and randomness.
struct RetryEnv {
  std::function<absl::Time()> now;
  std::function<void(absl::Duration)> sleep;
  std::function<double()> unit_random;  // uniform in [0, 1)
};

// The wall clock, absl::SleepFor and a per-thread random generator.
RetryEnv RealRetryEnv();

// Calls `attempt` until it succeeds, fails with a non-retryable status (or
// one it marks do_not_retry), has been called `policy.max_attempts` times
// (when not 0), or the next wait would end at or after `deadline`. The wait
// before retry n is BackoffDelay, or the server's pushback when that is
// longer. Returns the last attempt's status. `attempt` is always called at
// least once.
absl::Status RetryLoop(const RetryPolicy& policy, absl::Time deadline,
                       const RetryEnv& env,
                       absl::FunctionRef<AttemptOutcome()> attempt);

// RetryLoop for attempts that carry no pushback.
absl::Status RetryLoop(const RetryPolicy& policy, absl::Time deadline,
                       const RetryEnv& env, absl::FunctionRef<absl::Status()> attempt);

// RetryLoop for calls that produce a value.
template <typename T>
absl::StatusOr<T> RetryCall(const RetryPolicy& policy, absl::Time deadline,
                            const RetryEnv& env,
                            absl::FunctionRef<absl::StatusOr<T>()> attempt) {
  absl::StatusOr<T> result = absl::UnknownError("not called");
  absl::Status status = RetryLoop(policy, deadline, env, [&]() -> absl::Status {
    result = attempt();
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_RETRY_H_
