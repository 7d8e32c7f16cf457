#include "server/core/auth/api_token.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

TEST(ApiTokenTest, AnIssuedTokenParsesBackToItsIdAndDigest) {
  absl::StatusOr<IssuedToken> issued = IssueToken("acme", Role::kAdmin, "ci");
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(absl::StartsWith(issued->text, "st_"));
  EXPECT_EQ(issued->record.tenant, "acme");
  EXPECT_EQ(issued->record.role, "admin");
  EXPECT_EQ(issued->record.description, "ci");
  absl::StatusOr<TokenParts> parts = ParseToken(issued->text);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->token_id, issued->record.token_id);
  EXPECT_EQ(SecretDigest(parts->secret), issued->record.secret_sha256);
  // The stored record does not contain the secret.
  EXPECT_FALSE(absl::StrContains(issued->record.secret_sha256, parts->secret));
}

TEST(ApiTokenTest, TwoTokensShareNothing) {
  absl::StatusOr<IssuedToken> a = IssueToken("acme", Role::kTenant, "");
  absl::StatusOr<IssuedToken> b = IssueToken("acme", Role::kTenant, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->record.token_id, b->record.token_id);
  EXPECT_NE(a->record.secret_sha256, b->record.secret_sha256);
}

TEST(ApiTokenTest, SecretDigestIsSha256) {
  EXPECT_EQ(SecretDigest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiTokenTest, MalformedTokensAreUnauthenticatedWithoutEchoingThem) {
  for (const char* text :
       {"", "st_", "Bearer st_abcdefabcdef_x", "st_ABCDEFABCDEF_x", "st_abcdefabcdef",
        "xx_abcdefabcdef_secret", "st_abcdefabcde_secret"}) {
    absl::StatusOr<TokenParts> parts = ParseToken(text);
    EXPECT_EQ(parts.status().code(), absl::StatusCode::kUnauthenticated) << text;
    if (std::string(text).size() > 8) {  // short texts match the format hint
      EXPECT_FALSE(absl::StrContains(parts.status().message(), text)) << text;
    }
  }
}

TEST(ApiTokenTest, RejectsABadTenant) {
  EXPECT_EQ(IssueToken("Not Valid", Role::kTenant, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ApiTokenTest, DigestsEqualComparesWholeStrings) {
  EXPECT_TRUE(DigestsEqual("abc", "abc"));
  EXPECT_FALSE(DigestsEqual("abc", "abd"));
  EXPECT_FALSE(DigestsEqual("abc", "abcd"));
}

}  // namespace
}  // namespace streamtune
