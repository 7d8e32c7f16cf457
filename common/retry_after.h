// How code that answers "overloaded" tells the client when to come back: a
// payload on the absl::Status (the core and the store include no gRPC), which
// the status conversion turns into gRPC's `grpc-retry-pushback-ms` trailer.
#ifndef STREAMTUNE_COMMON_RETRY_AFTER_H_
#define STREAMTUNE_COMMON_RETRY_AFTER_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace streamtune {

// `status` (not OK) carrying "retry no sooner than `after`".
absl::Status WithRetryAfter(absl::Status status, absl::Duration after);

// The delay WithRetryAfter attached, if any.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_RETRY_AFTER_H_
