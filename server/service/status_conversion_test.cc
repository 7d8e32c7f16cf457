// ToGrpcStatus keeps the canonical code, caps the message and maps OK to OK.
#include "server/service/status_conversion.h"

#include <string>

#include "common/retry_after.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

TEST(ToGrpcStatus, EveryAbslCodeMapsToTheSameGrpcCode) {
  // absl and gRPC number the canonical codes alike: OK = 0 ... UNAUTHENTICATED
  // = 16. Spot-check a few by name, then every value.
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("x")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), "message");
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code) << status;
    EXPECT_EQ(converted.error_message(), "message") << status;
  }
}

TEST(ToGrpcStatus, OkStaysOkWithNoMessage) {
  const grpc::Status converted = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(converted.ok());
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(converted.error_message(), "");
}

TEST(ToGrpcStatus, AnErrorWithoutAMessageSaysWhatFailed) {
  const grpc::Status converted =
      ToGrpcStatus(absl::Status(absl::StatusCode::kInternal, ""), "Recommend");
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(converted.error_message(), "Recommend failed with INTERNAL and no detail");
  EXPECT_EQ(
      ToGrpcStatus(absl::Status(absl::StatusCode::kUnavailable, "")).error_message(),
      "the call failed with UNAVAILABLE and no detail");
}

TEST(ToGrpcStatus, AMessageAtTheCapIsKeptWhole) {
  const std::string message(kMaxErrorMessageBytes, 'a');
  const grpc::Status converted = ToGrpcStatus(absl::InternalError(message));
  EXPECT_EQ(converted.error_message(), message);
}

TEST(ToGrpcStatus, ALongerMessageIsCappedWithAnEllipsis) {
  const std::string message = "snapshot.operators[7]: " + std::string(5000, 'x');
  const grpc::Status converted = ToGrpcStatus(absl::InvalidArgumentError(message));
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(converted.error_message().size(), kMaxErrorMessageBytes);
  EXPECT_THAT(converted.error_message(), StartsWith("snapshot.operators[7]: xxx"));
  EXPECT_THAT(converted.error_message(), EndsWith("x..."));
}

TEST(ToGrpcStatus, OneByteOverTheCapIsCapped) {
  const std::string message(kMaxErrorMessageBytes + 1, 'b');
  const grpc::Status converted = ToGrpcStatus(absl::AbortedError(message));
  EXPECT_EQ(converted.error_message().size(), kMaxErrorMessageBytes);
  EXPECT_THAT(converted.error_message(), EndsWith("b..."));
}

TEST(RetryPushbackOf, IsTheRetryAfterInMilliseconds) {
  EXPECT_EQ(RetryPushbackOf(WithRetryAfter(absl::ResourceExhaustedError("busy"),
                                           absl::Milliseconds(1500))),
            "1500");
}

TEST(RetryPushbackOf, IsNegativeWhenRetryingWillNotHelp) {
  EXPECT_EQ(RetryPushbackOf(WithNoRetry(absl::ResourceExhaustedError("quota"))), "-1");
}

TEST(RetryPushbackOf, AbsentWithoutRetryAfter) {
  EXPECT_EQ(RetryPushbackOf(absl::ResourceExhaustedError("busy")), std::nullopt);
  EXPECT_EQ(RetryPushbackOf(absl::UnavailableError("down")), std::nullopt);
}

}  // namespace
}  // namespace streamtune
