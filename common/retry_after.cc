#include "common/retry_after.h"

#include <cstdint>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace streamtune {
namespace {

// Payload type URL: ours, never sent over the wire as such.
constexpr char kRetryAfterPayload[] = "type.streamtune.dev/retry-after-ms";

}  // namespace

absl::Status WithRetryAfter(absl::Status status, absl::Duration after) {
  status.SetPayload(kRetryAfterPayload,
                    absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(after))));
  return status;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kRetryAfterPayload);  // absl::optional
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

absl::Status WithNoRetry(absl::Status status) {
  status.SetPayload(kRetryAfterPayload, absl::Cord("-1"));
  return status;
}

bool IsNoRetry(const absl::Status& status) {
  const auto payload = status.GetPayload(kRetryAfterPayload);
  int64_t ms = 0;
  return payload.has_value() && absl::SimpleAtoi(std::string(*payload), &ms) && ms < 0;
}

}  // namespace streamtune
