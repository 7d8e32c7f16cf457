// The one place absl::Status becomes grpc::Status: same code, message capped
// so a pathological input cannot produce a huge trailer.
#ifndef STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
#define STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace streamtune {

// Longest error message sent to a client, in bytes.
inline constexpr size_t kMaxErrorMessageBytes = 1024;

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
