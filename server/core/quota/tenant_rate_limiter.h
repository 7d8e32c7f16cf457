// TenantRateLimiter: calls per second per tenant, as one token bucket per
// tenant (rate tokens a second, at most `burst` saved up). It counts this
// replica's calls only: with N replicas behind a load balancer a tenant's
// effective limit is N x the rate (docs/operations.md, "Quotas").
#ifndef STREAMTUNE_SERVER_CORE_QUOTA_TENANT_RATE_LIMITER_H_
#define STREAMTUNE_SERVER_CORE_QUOTA_TENANT_RATE_LIMITER_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace streamtune {

struct RateLimit {
  // Tokens added per second; 0: unlimited.
  double calls_per_second = 0;
  // Most tokens a bucket holds (calls allowed at once after a quiet spell);
  // below 1 counts as 1.
  double burst = 1;
};

struct TenantRateLimiterOptions {
  RateLimit limit;
  // Buckets kept before full ones (idle tenants: forgetting them changes
  // nothing) are dropped, so tenants that call once cost no memory forever.
  size_t max_idle_buckets = 10000;
  // Source of "now"; injectable for tests.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Thread-safe.
class TenantRateLimiter {
 public:
  explicit TenantRateLimiter(TenantRateLimiterOptions options);

  // Takes a token from the tenant's bucket: OK, or RESOURCE_EXHAUSTED
  // carrying (common/retry_after.h) the time until a token is available.
  absl::Status Admit(absl::string_view tenant);

  bool unlimited() const { return options_.limit.calls_per_second <= 0; }

  // Tenants with a bucket in memory (for tests).
  size_t tracked_tenants() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled_at;
  };

  // Drops the buckets that are full again; called when the map is large.
  void ForgetIdleBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Burst() const;
  double Refilled(const Bucket& bucket, absl::Time now) const;

  const TenantRateLimiterOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_QUOTA_TENANT_RATE_LIMITER_H_
