#include "server/service/status_conversion.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"

namespace streamtune {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view operation) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.empty()) {
    message = absl::StrCat(operation, " failed with ",
                           absl::StatusCodeToString(status.code()), " and no detail");
  }
  if (message.size() > kMaxErrorMessageBytes) {
    message.resize(kMaxErrorMessageBytes - 3);
    message += "...";
  }
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

std::optional<std::string> RetryPushbackOf(const absl::Status& status) {
  if (IsNoRetry(status)) return "-1";
  const std::optional<absl::Duration> after = RetryAfterOf(status);
  if (!after.has_value()) return std::nullopt;
  return absl::StrCat(absl::ToInt64Milliseconds(*after));
}

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context,
                          absl::string_view operation) {
  if (std::optional<std::string> pushback = RetryPushbackOf(status)) {
    context->AddTrailingMetadata(kRetryPushbackTrailer, *pushback);
  }
  return ToGrpcStatus(status, operation);
}

}  // namespace streamtune
