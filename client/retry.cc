#include "client/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace streamtune {

absl::Status ValidateRetryPolicy(const RetryPolicy& policy) {
  if (policy.max_attempts < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry.max_attempts: must be >= 0 (0: until the deadline), got ",
                     policy.max_attempts));
  }
  if (policy.initial_backoff < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry.initial_backoff: must be >= 0");
  }
  if (!(policy.backoff_multiplier >= 1.0) ||
      !std::isfinite(policy.backoff_multiplier)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry.backoff_multiplier: must be finite and >= 1, got ",
                     policy.backoff_multiplier));
  }
  if (policy.max_backoff < policy.initial_backoff) {
    return absl::InvalidArgumentError(
        "retry.max_backoff: must be >= retry.initial_backoff");
  }
  if (!(policy.jitter >= 0.0 && policy.jitter <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry.jitter: must be in [0, 1], got ", policy.jitter));
  }
  return absl::OkStatus();
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, double unit_random) {
  if (retry < 1) return absl::ZeroDuration();
  const double max_s = absl::ToDoubleSeconds(policy.max_backoff);
  // Grow in double seconds and stop once at the cap (or when nothing would
  // grow), so that a large `retry` neither overflows nor loops for long.
  double base_s = absl::ToDoubleSeconds(policy.initial_backoff);
  const bool grows = base_s > 0 && policy.backoff_multiplier > 1.0;
  for (int i = 1; grows && i < retry && base_s < max_s; ++i) {
    base_s *= policy.backoff_multiplier;
  }
  // Cap before jitter too, so delays at the cap still spread out.
  base_s = std::min(base_s, max_s);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const double jittered_s = base_s * (1.0 + policy.jitter * (2.0 * u - 1.0));
  return absl::Seconds(std::clamp(jittered_s, 0.0, max_s));
}

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

std::optional<absl::Duration> ParsePushback(const std::string& value,
                                            bool* do_not_retry) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(value, &ms) || ms < 0) {
    *do_not_retry = true;
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

RetryEnv RealRetryEnv() {
  RetryEnv env;
  env.now = [] { return absl::Now(); };
  env.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  env.unit_random = [] {
    thread_local absl::BitGen gen;
    return absl::Uniform(gen, 0.0, 1.0);
  };
  return env;
}

absl::Status RetryLoop(const RetryPolicy& policy, absl::Time deadline,
                       const RetryEnv& env,
                       absl::FunctionRef<AttemptOutcome()> attempt) {
  for (int n = 1;; ++n) {
    AttemptOutcome outcome = attempt();
    const absl::Status& status = outcome.status;
    if (status.ok() || !IsRetryable(status) || outcome.do_not_retry ||
        (policy.max_attempts > 0 && n >= policy.max_attempts)) {
      return status;
    }
    absl::Duration delay = BackoffDelay(policy, n, env.unit_random());
    // The server knows its load better than our schedule does: never come
    // back sooner than it asked.
    if (outcome.pushback.has_value()) delay = std::max(delay, *outcome.pushback);
    // A retry that could only start after the deadline would fail with
    // DEADLINE_EXCEEDED and hide the real cause; return that cause instead.
    if (env.now() + delay >= deadline) return status;
    env.sleep(delay);
  }
}

absl::Status RetryLoop(const RetryPolicy& policy, absl::Time deadline,
                       const RetryEnv& env, absl::FunctionRef<absl::Status()> attempt) {
  return RetryLoop(policy, deadline, env, [&] { return AttemptOutcome{attempt()}; });
}

}  // namespace streamtune
