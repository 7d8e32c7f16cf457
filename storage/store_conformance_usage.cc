// The store conformance suite, part four: the stored bytes a tenant's
// snapshots take (Store::TenantStoredBytes), which the stored-bytes quota counts,
// and which the decision read reports with its other inputs. Same fixture
// and instantiations as store_conformance.cc.
#include <string>

#include "storage/store_conformance.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// StoredBytes of `tenant`, or -1 on error (the test then fails).
int64_t StoredBytesOf(Store& store, const std::string& tenant) {
  absl::StatusOr<int64_t> bytes = store.TenantStoredBytes(tenant);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : -1;
}

// The bytes the store keeps for a stored snapshot.
int64_t BytesAsStored(Store& store, const std::string& tenant, const std::string& job,
                      const std::string& id) {
  auto stored = store.FindSnapshot(tenant, job, id);
  EXPECT_TRUE(stored.ok() && stored->has_value()) << job << "/" << id;
  return stored.ok() && stored->has_value() ? StoredSnapshotBytes(**stored) : -1;
}

// The tenant's usage as the decision read reports it.
int64_t UsageInDecisionRead(Store& store, const std::string& tenant) {
  auto inputs = store.LoadDecisionInputs(
      tenant, DecisionReadRequest{"any-job", "any-snapshot", 8, 8, {}, ""});
  EXPECT_TRUE(inputs.ok()) << inputs.status();
  return inputs.ok() ? inputs->tenant_stored_bytes : -1;
}

}  // namespace

TEST_P(StoreConformanceTest, AFreshTenantStoresNoBytes) {
  EXPECT_EQ(StoredBytesOf(*store_, tenant_), 0);
  EXPECT_EQ(UsageInDecisionRead(*store_, tenant_), 0);
}

TEST_P(StoreConformanceTest, StoredBytesAddUpEverySnapshotOnceWhicheverWayItCame) {
  // Job "a" by PutSnapshot, job "b" with its answer.
  const auto put_both = [&] {
    ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("a", "s1", 100)).ok());
    ASSERT_TRUE(store_
                    ->PutSnapshotAndRecommendation(tenant_,
                                                   TestSnapshot("b", "s1", 100, 4),
                                                   TestRecommendation("ds2", 3))
                    .ok());
  };
  put_both();
  const int64_t both = BytesAsStored(*store_, tenant_, "a", "s1") +
                       BytesAsStored(*store_, tenant_, "b", "s1");
  ASSERT_GT(both, 0);
  EXPECT_EQ(StoredBytesOf(*store_, tenant_), both);
  EXPECT_EQ(UsageInDecisionRead(*store_, tenant_), both);

  // Retries store nothing new; a conflicting snapshot is refused and
  // counted nowhere; a recommendation on a stored snapshot adds none.
  put_both();
  ASSERT_TRUE(absl::IsAlreadyExists(
      store_->PutSnapshot(tenant_, TestSnapshot("a", "s1", 100, 9)).status()));
  ASSERT_TRUE(store_
                  ->PutSnapshotAndRecommendation(tenant_, TestSnapshot("a", "s1", 100),
                                                 TestRecommendation("ds2", 3))
                  .ok());
  EXPECT_EQ(StoredBytesOf(*store_, tenant_), both);
  EXPECT_EQ(UsageInDecisionRead(*store_, tenant_), both);
}

TEST_P(StoreConformanceTest, StoredBytesAreTheTenantsOwn) {
  const std::string other = RandomTenant();
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("a", "s1", 100)).ok());
  EXPECT_EQ(StoredBytesOf(*store_, other), 0);
  EXPECT_EQ(UsageInDecisionRead(*store_, other), 0);
  ASSERT_TRUE(store_->PutSnapshot(other, TestSnapshot("a", "s1", 100)).ok());
  EXPECT_EQ(StoredBytesOf(*store_, other), StoredBytesOf(*store_, tenant_));
}

}  // namespace streamtune
