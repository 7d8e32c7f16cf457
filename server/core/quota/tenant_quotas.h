// TenantQuotas: each tenant's effective quotas, the server's flags
// (--quota_calls_per_second, --quota_burst, --quota_stored_bytes) overlaid
// with the per-tenant overrides an admin stores (`streamtunectl quota-set`,
// table tenant_quotas). The request path only reads this in-memory table;
// QuotaRefresher (quota_refresher.h) reloads the overrides in the background.
#ifndef STREAMTUNE_SERVER_CORE_QUOTA_TENANT_QUOTAS_H_
#define STREAMTUNE_SERVER_CORE_QUOTA_TENANT_QUOTAS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/quota_records.h"

namespace streamtune {

struct RateLimit {
  // Tokens added per second; 0: unlimited.
  double calls_per_second = 0;
  // Most tokens a bucket holds (calls allowed at once after a quiet spell);
  // below 1 counts as 1.
  double burst = 1;
};

struct Quota {
  RateLimit calls;
  // Bytes of stored snapshots; 0: unlimited.
  int64_t stored_bytes = 0;
};

// Thread-safe.
class TenantQuotas {
 public:
  explicit TenantQuotas(Quota defaults) : defaults_(defaults) {}

  // The defaults with the tenant's override (if any) on top, field by field;
  // an override of the rate without a burst gets one second's worth of
  // calls as its burst (the flags' rule).
  Quota For(absl::string_view tenant) const ABSL_LOCKS_EXCLUDED(mu_);
  // Replaces every override at once (a tenant missing here has none).
  void ReplaceOverrides(const std::vector<TenantQuotaRecord>& overrides)
      ABSL_LOCKS_EXCLUDED(mu_);
  size_t override_count() const ABSL_LOCKS_EXCLUDED(mu_);
  const Quota& defaults() const { return defaults_; }

 private:
  const Quota defaults_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Quota> overridden_ ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_QUOTA_TENANT_QUOTAS_H_
