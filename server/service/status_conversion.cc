#include "server/service/status_conversion.h"

#include <string>

#include "absl/strings/str_cat.h"

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

}  // namespace streamtune
