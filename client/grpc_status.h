// The client's one conversion from grpc::Status to absl::Status. Includes a
// gRPC header, so only client .cc files include it (never public headers).
#ifndef STREAMTUNE_CLIENT_GRPC_STATUS_H_
#define STREAMTUNE_CLIENT_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace streamtune {

// Same canonical code (gRPC and Abseil share the numbering 0..16; anything
// else becomes UNKNOWN) and the same message. Error details are dropped:
// StreamTune puts everything a caller needs into the message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_GRPC_STATUS_H_
