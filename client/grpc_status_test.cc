#include "client/grpc_status.h"

#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(FromGrpcStatus, OkIsOk) { EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok()); }

TEST(FromGrpcStatus, KeepsEveryCodeAndTheMessage) {
  for (int code = 1; code <= 16; ++code) {
    const grpc::Status in(static_cast<grpc::StatusCode>(code),
                          "snapshot.edges[3].to: unknown operator \"joinn\"");
    const absl::Status out = FromGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(out.code()), code);
    EXPECT_EQ(out.message(), in.error_message());
  }
}

TEST(FromGrpcStatus, NamesMatchCanonicalCodes) {
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "x")).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "x")).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(FromGrpcStatus, UnknownCodeBecomesUnknown) {
  const absl::Status out =
      FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(99), "odd"));
  EXPECT_EQ(out.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(out.message(), "odd");
}

}  // namespace
}  // namespace streamtune
