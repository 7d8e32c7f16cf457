#include "common/tenant.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace streamtune {

absl::Status ValidateTenant(absl::string_view tenant, absl::string_view path) {
  if (tenant.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": required"));
  if (tenant.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": longer than 64 characters (", tenant.size(), ")"));
  }
  for (char c : tenant) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: character '%c' is not allowed (use [a-z0-9_-])", path, c));
    }
  }
  return absl::OkStatus();
}

}  // namespace streamtune
