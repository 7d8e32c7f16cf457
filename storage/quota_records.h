// Per-tenant quota overrides as the stores keep them (table tenant_quotas,
// migration 9). A field left unset falls back to the server's flag
// (--quota_calls_per_second, --quota_burst, --quota_stored_bytes); 0 means
// unlimited, as for the flags. server/core/quota/tenant_quotas.h applies them.
#ifndef STREAMTUNE_STORAGE_QUOTA_RECORDS_H_
#define STREAMTUNE_STORAGE_QUOTA_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace streamtune {

struct TenantQuotaRecord {
  std::string tenant;
  std::optional<double> calls_per_second;  // >= 0
  std::optional<double> burst;             // >= 1
  std::optional<int64_t> stored_bytes;     // >= 0
  // Set by the store.
  absl::Time updated_at = absl::InfinitePast();
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_QUOTA_RECORDS_H_
