// The one place absl::Status becomes grpc::Status: same code, message capped
// so a pathological input cannot produce a huge trailer, and a retry-after
// (common/retry_after.h) sent as gRPC's `grpc-retry-pushback-ms` trailer.
#ifndef STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
#define STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace streamtune {

// Longest error message sent to a client, in bytes.
inline constexpr size_t kMaxErrorMessageBytes = 1024;

// gRPC's trailing-metadata key for the server's pushback, in milliseconds.
inline constexpr char kRetryPushbackTrailer[] = "grpc-retry-pushback-ms";

grpc::Status ToGrpcStatus(const absl::Status& status);

// The value of the kRetryPushbackTrailer for `status`: its retry-after in
// whole milliseconds, if it has one.
std::optional<std::string> RetryPushbackOf(const absl::Status& status);

// ToGrpcStatus, plus the pushback trailer on `context` when the status
// carries a retry-after (an overloaded store: RESOURCE_EXHAUSTED).
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
