#include "storage/page_token.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(PageToken, RoundTripsArbitraryKeyParts) {
  std::vector<std::string> key = {"", "a:b", std::string("\0\xff", 2), "17"};
  std::string token = EncodePageToken("models", key);
  const char kWebSafe[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  EXPECT_EQ(token.find_first_not_of(kWebSafe), std::string::npos)
      << "web-safe base64: " << token;
  auto decoded = DecodePageToken("models", token, 4);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, key);
}

TEST(PageToken, EmptyTokenIsTheFirstPage) {
  auto decoded = DecodePageToken("jobs", "", 1);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(PageToken, RejectsGarbageOtherListingsAndWrongArity) {
  std::string jobs = EncodePageToken("jobs", {"j"});
  for (const auto& [listing, token, parts] :
       std::vector<std::tuple<std::string, std::string, size_t>>{
           {"jobs", "!!", 1},
           {"jobs", "AAAA", 1},
           {"snapshots", jobs, 1},
           {"jobs", jobs, 2},
           {"jobs", jobs.substr(0, jobs.size() - 2), 1}}) {
    auto decoded = DecodePageToken(listing, token, parts);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_EQ(decoded.status().message(), "page_token: malformed");
  }
  EXPECT_FALSE(PageTokenInt("12x").ok());
  EXPECT_EQ(*PageTokenInt("-12"), -12);
}

}  // namespace
}  // namespace streamtune
