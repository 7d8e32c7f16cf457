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

// `status` (not OK) carrying "retrying will not help" (a quota only an
// operator raises): sent as a negative pushback, which gRPC's retry policy
// (gRFC A6) and StreamTuneClient take as "do not retry".
absl::Status WithNoRetry(absl::Status status);

// Whether WithNoRetry marked `status`.
bool IsNoRetry(const absl::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_RETRY_AFTER_H_
