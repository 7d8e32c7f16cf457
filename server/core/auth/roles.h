// Who may call what. A credential names a tenant and one of two roles:
// `tenant` reads and writes its own jobs (the StreamTune service); `admin`
// may also pre-train, manage operations and read models (the StreamTuneAdmin
// service), still within its own tenant (docs/operations.md, "Security").
#ifndef STREAMTUNE_SERVER_CORE_AUTH_ROLES_H_
#define STREAMTUNE_SERVER_CORE_AUTH_ROLES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace streamtune {

enum class Role { kTenant, kAdmin };

// "tenant" or "admin".
absl::string_view RoleName(Role role);
// INVALID_ARGUMENT "role: ..." for any other text.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// True when a caller of role `held` may call a method requiring `required`.
bool RoleAllows(Role held, Role required);

// The authenticated caller of one call.
struct Principal {
  std::string tenant;
  Role role = Role::kTenant;
  // The token's id ("" in --insecure_local_only mode): for logs and audit.
  std::string token_id;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_AUTH_ROLES_H_
