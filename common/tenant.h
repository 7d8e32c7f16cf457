// Tenants: every call and every stored row belongs to one. Shared by the
// server (which reads it from call metadata), the stores and the client.
#ifndef STREAMTUNE_COMMON_TENANT_H_
#define STREAMTUNE_COMMON_TENANT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace streamtune {

// gRPC metadata key carrying the caller's tenant.
inline constexpr char kTenantMetadataKey[] = "x-streamtune-tenant";
// Tenant of calls that name none.
inline constexpr char kDefaultTenant[] = "default";

// Tenant names are 1 to 64 characters of [a-z0-9_-]. INVALID_ARGUMENT
// prefixed with `path` (e.g. "metadata x-streamtune-tenant") otherwise.
absl::Status ValidateTenant(absl::string_view tenant, absl::string_view path);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_TENANT_H_
