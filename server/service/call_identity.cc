#include "server/service/call_identity.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/tenant.h"

namespace streamtune {
namespace {

std::optional<std::string> Metadata(const grpc::ServerContext& context,
                                    absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

// The token of "Bearer <token>" (the scheme is case-insensitive, RFC 6750);
// empty when there is none.
std::string BearerToken(const grpc::ServerContext& context) {
  std::optional<std::string> value = Metadata(context, kAuthorizationMetadataKey);
  if (!value.has_value()) return "";
  absl::string_view text = *value;
  constexpr absl::string_view kScheme = "bearer ";
  if (text.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(text.substr(0, kScheme.size()), kScheme)) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(text.substr(kScheme.size())));
}

}  // namespace

absl::StatusOr<Principal> CallIdentity::Authorize(const grpc::ServerContext& context,
                                                  Role required) const {
  const std::optional<std::string> header = Metadata(context, kTenantMetadataKey);
  // With tokens, the credential comes first: an unauthenticated caller
  // learns nothing about what else is wrong with its call.
  absl::StatusOr<Principal> caller =
      insecure() ? Principal{header.value_or(kDefaultTenant), Role::kAdmin, ""}
                 : authenticator_->Authenticate(BearerToken(context));
  if (!caller.ok()) return caller.status();
  if (header.has_value()) {
    if (absl::Status ok =
            ValidateTenant(*header, absl::StrCat("metadata ", kTenantMetadataKey));
        !ok.ok()) {
      return ok;
    }
  }
  if (insecure()) return caller;
  if (header.has_value() && *header != caller->tenant) {
    return absl::PermissionDeniedError(absl::StrCat(
        "metadata ", kTenantMetadataKey, ": \"", *header,
        "\" is not the tenant of this token (a token acts for its own tenant only)"));
  }
  if (!RoleAllows(caller->role, required)) {
    return absl::PermissionDeniedError(
        absl::StrCat("this method requires the ", RoleName(required),
                     " role; the token's role is ", RoleName(caller->role)));
  }
  return caller;
}

}  // namespace streamtune
