// TenantRateLimiter: calls per second per tenant, as one token bucket per
// tenant (rate tokens a second, at most `burst` saved up; a tenant's own
// rate when it has an override). It counts this
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
#include "server/core/quota/tenant_quotas.h"

namespace streamtune {

struct TenantRateLimiterOptions {
  // Every tenant's limit, unless `quotas` is set: then each tenant's own
  // (the flags with its override, server/core/quota/tenant_quotas.h).
  RateLimit limit;
  const TenantQuotas* quotas = nullptr;  // Borrowed; may be null.
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

  // Tenants with a bucket in memory (for tests).
  size_t tracked_tenants() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled_at;
  };

  // Drops the buckets that are full again; called when the map is large.
  void ForgetIdleBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  RateLimit LimitFor(absl::string_view tenant) const;
  static double Burst(const RateLimit& limit);
  static double Refilled(const Bucket& bucket, const RateLimit& limit, absl::Time now);

  const TenantRateLimiterOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_QUOTA_TENANT_RATE_LIMITER_H_
