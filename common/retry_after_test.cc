#include "common/retry_after.h"

#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(RetryAfter, RoundTripsTheDelayAndKeepsCodeAndMessage) {
  const absl::Status status =
      WithRetryAfter(absl::ResourceExhaustedError("busy"), absl::Milliseconds(750));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "busy");
  EXPECT_EQ(RetryAfterOf(status), absl::Milliseconds(750));
}

TEST(RetryAfter, AbsentOnAPlainStatus) {
  EXPECT_EQ(RetryAfterOf(absl::ResourceExhaustedError("busy")), std::nullopt);
  EXPECT_EQ(RetryAfterOf(absl::OkStatus()), std::nullopt);
}

TEST(RetryAfter, NoRetryIsMarkedAndHasNoDelay) {
  const absl::Status status = WithNoRetry(absl::ResourceExhaustedError("quota"));
  EXPECT_TRUE(IsNoRetry(status));
  EXPECT_EQ(status.message(), "quota");
  EXPECT_EQ(RetryAfterOf(status), std::nullopt);
  EXPECT_FALSE(IsNoRetry(absl::ResourceExhaustedError("busy")));
  EXPECT_FALSE(IsNoRetry(
      WithRetryAfter(absl::ResourceExhaustedError("busy"), absl::Milliseconds(5))));
}

}  // namespace
}  // namespace streamtune
