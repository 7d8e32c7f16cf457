#include "server/core/quota/tenant_quotas.h"

#include <algorithm>

namespace streamtune {

Quota TenantQuotas::For(absl::string_view tenant) const {
  absl::ReaderMutexLock lock(&mu_);
  auto found = overridden_.find(tenant);
  return found == overridden_.end() ? defaults_ : found->second;
}

void TenantQuotas::ReplaceOverrides(const std::vector<TenantQuotaRecord>& overrides) {
  absl::flat_hash_map<std::string, Quota> overridden;
  for (const TenantQuotaRecord& record : overrides) {
    Quota quota = defaults_;
    if (record.calls_per_second.has_value()) {
      quota.calls.calls_per_second = *record.calls_per_second;
      // A rate without a burst gets one second's worth, as the flags do.
      quota.calls.burst = std::max(1.0, *record.calls_per_second);
    }
    if (record.burst.has_value()) quota.calls.burst = *record.burst;
    if (record.stored_bytes.has_value()) quota.stored_bytes = *record.stored_bytes;
    overridden[record.tenant] = quota;
  }
  absl::MutexLock lock(&mu_);
  overridden_.swap(overridden);
}

size_t TenantQuotas::override_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return overridden_.size();
}

}  // namespace streamtune
