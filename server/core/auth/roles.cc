#include "server/core/auth/roles.h"

#include "absl/strings/str_cat.h"

namespace streamtune {

absl::string_view RoleName(Role role) {
  return role == Role::kAdmin ? "admin" : "tenant";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "tenant") return Role::kTenant;
  if (name == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("role: \"", name, "\" is neither tenant nor admin"));
}

bool RoleAllows(Role held, Role required) {
  return held == Role::kAdmin || required == Role::kTenant;
}

}  // namespace streamtune
