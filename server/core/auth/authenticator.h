// Authenticator: turns a call's bearer token into its Principal. Token
// records are read from the store and cached for a short time, so a warm
// caller costs no database round trip; revoking a token therefore takes
// effect on every replica within `cache_ttl`.
#ifndef STREAMTUNE_SERVER_CORE_AUTH_AUTHENTICATOR_H_
#define STREAMTUNE_SERVER_CORE_AUTH_AUTHENTICATOR_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/auth/roles.h"
#include "storage/store.h"

namespace streamtune {

struct AuthenticatorOptions {
  // How long a token record read from the store is trusted.
  absl::Duration cache_ttl = absl::Seconds(5);
  // Records kept at most (the cache is emptied when it would grow beyond).
  int max_cached = 10000;
};

// Thread-safe. `store` is borrowed.
class Authenticator {
 public:
  Authenticator(Store* store, AuthenticatorOptions options)
      : store_(store), options_(options) {}

  // `token` is the text after "Bearer ". UNAUTHENTICATED (with a reason
  // that never echoes the token) when it is empty, malformed, unknown,
  // revoked or its secret is wrong; UNAVAILABLE when the store cannot say.
  absl::StatusOr<Principal> Authenticate(absl::string_view token);

 private:
  struct Cached {
    TokenRecord record;
    absl::Time read_at;
  };
  absl::StatusOr<TokenRecord> Record(const std::string& token_id);

  Store* store_;
  const AuthenticatorOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_AUTH_AUTHENTICATOR_H_
