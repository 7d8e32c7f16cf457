// CallIdentity: who is calling, read from a call's metadata. Two modes:
// tokens (the default: "authorization: Bearer st_...", checked by the core's
// Authenticator; the tenant is the token's, never a header's) and
// --insecure_local_only (no credential; the tenant is the x-streamtune-tenant
// header, every caller is admin; the server binds loopback only).
#ifndef STREAMTUNE_SERVER_SERVICE_CALL_IDENTITY_H_
#define STREAMTUNE_SERVER_SERVICE_CALL_IDENTITY_H_

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "server/core/auth/authenticator.h"
#include "server/core/auth/roles.h"

namespace streamtune {

// gRPC metadata key of the bearer token (lower case, as on the wire).
inline constexpr char kAuthorizationMetadataKey[] = "authorization";

// Thread-safe; the authenticator is borrowed.
class CallIdentity {
 public:
  // Every caller is an admin of the tenant its header names.
  static CallIdentity InsecureLocalOnly() { return CallIdentity(nullptr); }
  static CallIdentity Tokens(Authenticator* authenticator) {
    return CallIdentity(authenticator);
  }

  // The caller, if allowed a method that requires `required`.
  // UNAUTHENTICATED: no, malformed, unknown or revoked token.
  // PERMISSION_DENIED: a header naming another tenant than the token's, or
  // a tenant-role token calling an admin method.
  // INVALID_ARGUMENT: a malformed tenant header.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContext& context,
                                      Role required) const;

  bool insecure() const { return authenticator_ == nullptr; }

 private:
  explicit CallIdentity(Authenticator* authenticator) : authenticator_(authenticator) {}
  Authenticator* authenticator_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_CALL_IDENTITY_H_
