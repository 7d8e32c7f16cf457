// API tokens as the stores keep them: the secret itself is never stored, only
// its SHA-256 digest (server/core/auth/api_token.h makes and checks tokens).
#ifndef STREAMTUNE_STORAGE_TOKEN_RECORDS_H_
#define STREAMTUNE_STORAGE_TOKEN_RECORDS_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace streamtune {

struct TokenRecord {
  // Public identifier, part of the token text (st_<token_id>_<secret>).
  std::string token_id;
  // The tenant every call made with the token acts for.
  std::string tenant;
  // "tenant" or "admin" (server/core/auth/roles.h).
  std::string role;
  // Lower-case hex SHA-256 of the secret part.
  std::string secret_sha256;
  std::string description;
  // Set by the store.
  absl::Time created_at = absl::InfinitePast();
  // Unset while the token is valid.
  std::optional<absl::Time> revoked_at;
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_TOKEN_RECORDS_H_
