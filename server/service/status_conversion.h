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
#include "absl/strings/string_view.h"

namespace streamtune {

// Longest error message sent to a client, in bytes.
inline constexpr size_t kMaxErrorMessageBytes = 1024;

// Same code; the message capped at kMaxErrorMessageBytes. An error without a
// message still says what failed (`operation`, e.g. "Recommend"): a client
// must never be left with a bare INTERNAL.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view operation = "the call");

// gRPC's trailing-metadata key for the server's pushback, in milliseconds.
inline constexpr char kRetryPushbackTrailer[] = "grpc-retry-pushback-ms";

// The value of the kRetryPushbackTrailer for `status`: its retry-after in
// whole milliseconds, if it has one; "-1" (do not retry) for WithNoRetry.
std::optional<std::string> RetryPushbackOf(const absl::Status& status);

// ToGrpcStatus, plus the pushback trailer on `context` when the status
// carries a retry-after (an overloaded store: RESOURCE_EXHAUSTED).
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context,
                          absl::string_view operation = "the call");

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
