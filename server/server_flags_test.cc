#include "server/server_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackAddress, AcceptsOnlyLoopbackHosts) {
  for (const char* ok :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:9464", "[::1]:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(ok)) << ok;
  }
  for (const char* no :
       {"0.0.0.0:50051", "10.0.0.1:1", "[::]:50051", "example.com:1", "128.0.0.1:1",
        "[::1", "localhost.evil.com:1", "127.evil.com:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(no)) << no;
  }
}

ServerMainOptions Valid() {
  ServerMainOptions options;
  options.database_url = "postgresql://u@127.0.0.1:5432/db";
  options.grpc.tls = TlsFiles{"server.pem", "server.key", ""};
  return options;
}

TEST(CheckOptions, TlsIsRequiredUnlessInsecureLocalOnly) {
  EXPECT_TRUE(CheckOptions(Valid()).ok());
  ServerMainOptions plain = Valid();
  plain.grpc.tls.reset();
  EXPECT_THAT(CheckOptions(plain).message(), HasSubstr("--tls_cert_file"));
  plain.insecure_local_only = true;
  EXPECT_TRUE(CheckOptions(plain).ok());
  ServerMainOptions half = Valid();
  half.grpc.tls->key_file.clear();
  EXPECT_EQ(CheckOptions(half).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckOptions, InsecureLocalOnlyServesLoopbackOnly) {
  ServerMainOptions options = Valid();
  options.grpc.tls.reset();
  options.insecure_local_only = true;
  options.grpc.listen = "0.0.0.0:50051";
  EXPECT_THAT(CheckOptions(options).message(), HasSubstr("--listen: 0.0.0.0:50051"));
  options.grpc.listen = "127.0.0.1:50051";
  options.metrics_listen = "0.0.0.0:9464";
  EXPECT_THAT(CheckOptions(options).message(), HasSubstr("--metrics_listen"));
  options.metrics_listen = "";  // disabled
  EXPECT_TRUE(CheckOptions(options).ok());
  options.grpc.tls = TlsFiles{"a", "b", ""};
  EXPECT_THAT(CheckOptions(options).message(), HasSubstr("cannot be combined"));
}

}  // namespace
}  // namespace streamtune
