// API tokens: bearer credentials of the form st_<id>_<secret>. The id (12
// characters of [a-z0-9]) finds the stored record; the secret (43 characters
// of base64url, 256 random bits) is never stored, only its SHA-256 digest.
// High-entropy secrets need no salt or slow hash: guessing one is as hard as
// guessing a 256-bit key, and a leaked digest table gives nothing to replay.
#ifndef STREAMTUNE_SERVER_CORE_AUTH_API_TOKEN_H_
#define STREAMTUNE_SERVER_CORE_AUTH_API_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/auth/roles.h"
#include "storage/store.h"
#include "storage/token_records.h"

namespace streamtune {

struct IssuedToken {
  // What the store keeps (created_at unset until stored).
  TokenRecord record;
  // The token text, shown once to whoever issued it.
  std::string text;
};

// A fresh token for `tenant` and `role` from the operating system's CSPRNG.
// INVALID_ARGUMENT for a bad tenant; INTERNAL if no randomness is available.
absl::StatusOr<IssuedToken> IssueToken(absl::string_view tenant, Role role,
                                       absl::string_view description);

struct TokenParts {
  std::string token_id;
  std::string secret;
};

// IssueToken, then stores the record (digest only) in `store`: what every
// issuer runs (streamtunectl token-create, the private stacks, benchmarks,
// tests). The returned record is the stored one (created_at set).
absl::StatusOr<IssuedToken> IssueAndStoreToken(Store& store, absl::string_view tenant,
                                               Role role,
                                               absl::string_view description);

// Splits token text; UNAUTHENTICATED "malformed token" for anything not of
// the form above (the message never echoes the text).
absl::StatusOr<TokenParts> ParseToken(absl::string_view text);

// Lower-case hex SHA-256 of `secret`.
std::string SecretDigest(absl::string_view secret);

// Constant-time comparison of two digests.
bool DigestsEqual(absl::string_view a, absl::string_view b);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_AUTH_API_TOKEN_H_
