// The store conformance suite: per-tenant quota overrides (replaced whole,
// listed across tenants, deleted). Same fixture and instantiations as
// store_conformance.cc. The listing spans every tenant of the database, so
// the checks look at this test's tenants only.
#include <optional>
#include <string>
#include <vector>

#include "storage/store_conformance.h"

namespace streamtune {
namespace {

std::optional<TenantQuotaRecord> Listed(Store& store, const std::string& tenant) {
  absl::StatusOr<std::vector<TenantQuotaRecord>> listed = store.ListTenantQuotas();
  EXPECT_TRUE(listed.ok()) << listed.status();
  if (!listed.ok()) return std::nullopt;
  for (const TenantQuotaRecord& quota : *listed) {
    if (quota.tenant == tenant) return quota;
  }
  return std::nullopt;
}

TEST_P(StoreConformanceTest, PutListAndDeleteTenantQuotas) {
  TenantQuotaRecord quota;
  quota.tenant = tenant_;
  quota.calls_per_second = 2.5;
  quota.stored_bytes = 1 << 20;  // burst left to the flag
  auto stored = store_->PutTenantQuota(quota);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_NE(stored->updated_at, absl::InfinitePast());

  const std::string other = RandomTenant();
  TenantQuotaRecord other_quota;
  other_quota.tenant = other;
  other_quota.burst = 4;
  ASSERT_TRUE(store_->PutTenantQuota(other_quota).ok());

  std::optional<TenantQuotaRecord> read = Listed(*store_, tenant_);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->calls_per_second, 2.5);
  EXPECT_FALSE(read->burst.has_value());
  EXPECT_EQ(read->stored_bytes, 1 << 20);
  std::optional<TenantQuotaRecord> other_read = Listed(*store_, other);
  ASSERT_TRUE(other_read.has_value());
  EXPECT_EQ(other_read->burst, 4);
  EXPECT_FALSE(other_read->calls_per_second.has_value());

  // A second put replaces the whole override: unset fields go back to the
  // flags.
  TenantQuotaRecord replacement;
  replacement.tenant = tenant_;
  replacement.burst = 10;
  ASSERT_TRUE(store_->PutTenantQuota(replacement).ok());
  read = Listed(*store_, tenant_);
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->calls_per_second.has_value());
  EXPECT_EQ(read->burst, 10);
  EXPECT_FALSE(read->stored_bytes.has_value());

  EXPECT_TRUE(store_->DeleteTenantQuota(tenant_).ok());
  EXPECT_FALSE(Listed(*store_, tenant_).has_value());
  EXPECT_EQ(store_->DeleteTenantQuota(tenant_).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Listed(*store_, other).has_value());
  EXPECT_TRUE(store_->DeleteTenantQuota(other).ok());
}

TEST_P(StoreConformanceTest, RejectsInvalidTenantQuotas) {
  TenantQuotaRecord quota;
  quota.tenant = tenant_;
  quota.calls_per_second = -1;
  EXPECT_EQ(store_->PutTenantQuota(quota).status().code(),
            absl::StatusCode::kInvalidArgument);
  quota.calls_per_second.reset();
  quota.burst = 0.5;
  EXPECT_EQ(store_->PutTenantQuota(quota).status().code(),
            absl::StatusCode::kInvalidArgument);
  quota.burst.reset();
  quota.stored_bytes = -5;
  EXPECT_EQ(store_->PutTenantQuota(quota).status().code(),
            absl::StatusCode::kInvalidArgument);
  quota.stored_bytes.reset();
  quota.tenant = "Not A Tenant";
  EXPECT_EQ(store_->PutTenantQuota(quota).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Listed(*store_, tenant_).has_value());
}

}  // namespace
}  // namespace streamtune
