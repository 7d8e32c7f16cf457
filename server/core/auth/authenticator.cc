#include "server/core/auth/authenticator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/auth/api_token.h"

namespace streamtune {

absl::StatusOr<TokenRecord> Authenticator::Record(const std::string& token_id) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(token_id);
    if (it != cache_.end() && now - it->second.read_at < options_.cache_ttl) {
      return it->second.record;
    }
  }
  absl::StatusOr<TokenRecord> record = store_->GetToken(token_id);
  if (absl::IsNotFound(record.status())) {
    return absl::UnauthenticatedError("unknown token");
  }
  if (!record.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot check the token now: ", record.status().message()));
  }
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(cache_.size()) >= options_.max_cached) cache_.clear();
  cache_[token_id] = Cached{*record, now};
  return record;
}

absl::StatusOr<Principal> Authenticator::Authenticate(absl::string_view token) {
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "no credential: send metadata \"authorization: Bearer <token>\"");
  }
  absl::StatusOr<TokenParts> parts = ParseToken(token);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<TokenRecord> record = Record(parts->token_id);
  if (!record.ok()) return record.status();
  if (!DigestsEqual(SecretDigest(parts->secret), record->secret_sha256)) {
    return absl::UnauthenticatedError("unknown token");
  }
  if (record->revoked_at.has_value()) {
    return absl::UnauthenticatedError("token revoked");
  }
  absl::StatusOr<Role> role = ParseRole(record->role);
  if (!role.ok()) return absl::InternalError("stored token has an unknown role");
  return Principal{record->tenant, *role, record->token_id};
}

}  // namespace streamtune
