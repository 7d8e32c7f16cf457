#include "server/core/quota/tenant_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"

namespace streamtune {

TenantRateLimiter::TenantRateLimiter(TenantRateLimiterOptions options)
    : options_(std::move(options)) {}

RateLimit TenantRateLimiter::LimitFor(absl::string_view tenant) const {
  return options_.quotas == nullptr ? options_.limit
                                    : options_.quotas->For(tenant).calls;
}

double TenantRateLimiter::Burst(const RateLimit& limit) {
  return std::max(limit.burst, 1.0);
}

double TenantRateLimiter::Refilled(const Bucket& bucket, const RateLimit& limit,
                                   absl::Time now) {
  // A clock that steps back refills nothing rather than draining.
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.refilled_at));
  return std::min(Burst(limit), bucket.tokens + elapsed * limit.calls_per_second);
}

void TenantRateLimiter::ForgetIdleBuckets(absl::Time now) {
  absl::erase_if(buckets_, [&](const auto& entry) {
    const RateLimit limit = LimitFor(entry.first);
    return limit.calls_per_second <= 0 ||
           Refilled(entry.second, limit, now) >= Burst(limit);
  });
}

size_t TenantRateLimiter::tracked_tenants() {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

absl::Status TenantRateLimiter::Admit(absl::string_view tenant) {
  const RateLimit limit = LimitFor(tenant);
  if (limit.calls_per_second <= 0) return absl::OkStatus();
  const absl::Time now = options_.clock();
  absl::MutexLock lock(&mu_);
  auto found = buckets_.find(tenant);
  if (found == buckets_.end()) {
    if (buckets_.size() >= options_.max_idle_buckets) ForgetIdleBuckets(now);
    // A new tenant starts with a full bucket.
    found = buckets_.emplace(std::string(tenant), Bucket{Burst(limit), now}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = Refilled(bucket, limit, now);
  bucket.refilled_at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  // Whole milliseconds, rounded up so a client that waits this long finds a
  // token; the nanosecond slack keeps floating-point noise (0.3 seconds
  // computed as 0.30000000000000004) from adding a millisecond.
  const double wait_ms = (1 - bucket.tokens) / limit.calls_per_second * 1000 - 1e-6;
  const absl::Duration wait = absl::Milliseconds(std::max(1.0, std::ceil(wait_ms)));
  return WithRetryAfter(
      absl::ResourceExhaustedError(absl::StrCat(
          "tenant \"", tenant, "\" is over its quota of ", limit.calls_per_second,
          " calls per second (burst ", Burst(limit), ") on this replica; retry in ",
          absl::FormatDuration(wait))),
      wait);
}

}  // namespace streamtune
