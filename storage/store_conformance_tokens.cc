// The store conformance suite, part four: API tokens (stored by digest,
// read by id across tenants, listed per tenant, revoked once). Same fixture
// and instantiations as store_conformance.cc.
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/store_conformance.h"

namespace streamtune {
namespace {

TokenRecord NewToken(const std::string& tenant, const std::string& role) {
  static std::mt19937_64 random{std::random_device{}()};
  TokenRecord token;
  token.token_id = absl::StrCat("t", random() % 1000000000000);
  token.tenant = tenant;
  token.role = role;
  token.secret_sha256 = std::string(64, 'a');
  token.description = "conformance";
  return token;
}

TEST_P(StoreConformanceTest, PutGetListAndRevokeTokens) {
  const TokenRecord tenant_token = NewToken(tenant_, "tenant");
  const TokenRecord admin_token = NewToken(tenant_, "admin");
  const TokenRecord other_token = NewToken(RandomTenant(), "tenant");
  for (const TokenRecord& token : {tenant_token, admin_token, other_token}) {
    auto stored = store_->PutToken(token);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_NE(stored->created_at, absl::InfinitePast());
    EXPECT_FALSE(stored->revoked_at.has_value());
  }
  EXPECT_EQ(store_->PutToken(tenant_token).status().code(),
            absl::StatusCode::kAlreadyExists);

  auto read = store_->GetToken(admin_token.token_id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->tenant, tenant_);
  EXPECT_EQ(read->role, "admin");
  EXPECT_EQ(read->secret_sha256, admin_token.secret_sha256);
  EXPECT_EQ(read->description, "conformance");
  EXPECT_EQ(store_->GetToken("tnotatoken0").status().code(),
            absl::StatusCode::kNotFound);

  auto listed = store_->ListTokens(tenant_);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].token_id, tenant_token.token_id);  // oldest first
  EXPECT_EQ((*listed)[1].token_id, admin_token.token_id);

  auto revoked = store_->RevokeToken(tenant_token.token_id);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  ASSERT_TRUE(revoked->revoked_at.has_value());
  auto again = store_->RevokeToken(tenant_token.token_id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->revoked_at, revoked->revoked_at);  // the first time stays
  auto after = store_->GetToken(tenant_token.token_id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->revoked_at, revoked->revoked_at);
  EXPECT_FALSE(store_->GetToken(admin_token.token_id)->revoked_at.has_value());
  EXPECT_EQ(store_->RevokeToken("tnotatoken0").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, RejectsMalformedTokens) {
  TokenRecord token = NewToken(tenant_, "tenant");
  TokenRecord bad = token;
  bad.role = "root";
  EXPECT_EQ(store_->PutToken(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = token;
  bad.token_id = "UPPER_case";
  EXPECT_EQ(store_->PutToken(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = token;
  bad.secret_sha256 = "abc";
  EXPECT_EQ(store_->PutToken(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = token;
  bad.tenant = "Not A Tenant";
  EXPECT_EQ(store_->PutToken(bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetToken(token.token_id).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace streamtune
