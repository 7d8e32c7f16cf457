// The one place absl::Status becomes grpc::Status: same code, message capped
// so a pathological input cannot produce a huge trailer.
#ifndef STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
#define STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

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

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_STATUS_CONVERSION_H_
