// The conformance suite every Store implementation passes: one parameterised
// GoogleTest suite over a factory, instantiated by in_memory_store_test.cc and
// postgres_store_test.cc. Each test writes under a fresh random tenant, so a
// shared database needs no cleanup between tests or runs.
#ifndef STREAMTUNE_STORAGE_STORE_CONFORMANCE_H_
#define STREAMTUNE_STORAGE_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "storage/store.h"

namespace streamtune {

// Makes the store under test: a ready store, or nullptr (the test then fails
// in SetUp). `name` names the parameter in test names.
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> make;
  // A store whose database no other test process shares (the fine-tuning
  // queue is claimed across tenants); empty: `make` is isolated already.
  std::function<std::unique_ptr<Store>()> make_isolated;
};
void PrintTo(const StoreFactory& factory, std::ostream* os);

// Usage:
//   INSTANTIATE_TEST_SUITE_P(InMemory, StoreConformanceTest,
//       ::testing::Values(StoreFactory{"in_memory", [] { ... }}));
class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;

  std::unique_ptr<Store> store_;
  std::string tenant_;  // fresh per test
};

// The same, on the factory's isolated store. Instantiate it next to
// StoreConformanceTest:
//   INSTANTIATE_TEST_SUITE_P(InMemory, IsolatedStoreTest, ...same values...);
class IsolatedStoreTest : public StoreConformanceTest {
 protected:
  void SetUp() override;
};

// The decision path and the fine-tuning queue (store_conformance_decisions.cc).
class DecisionPathTest : public IsolatedStoreTest {
 protected:
  // Stores snapshot `id` at `seconds` with an answer naming cluster-0 and a
  // fine-tuning request; returns the stored answer.
  v1::Recommendation Decide(const std::string& job, const std::string& id,
                            int64_t seconds);
  FineTuneTask Claim(absl::Duration lease = absl::Minutes(1));
  bool Pending(const std::string& job);
  static v1::Model JobModel();
};

// A tenant name no other test or run uses.
std::string RandomTenant();

// Test data shared with implementation-specific tests. The snapshot is a
// three-operator job whose numbers exercise serialisation round trips.
v1::StoredSnapshot TestSnapshot(const std::string& job_id,
                                const std::string& snapshot_id,
                                int64_t observed_seconds, int parallelism = 2);
v1::Recommendation TestRecommendation(const std::string& policy, int recommended);

// One page of `size` items starting at `token` ("" for the first).
PageRequest PageOf(int size, const std::string& token = "");

// Calls `list` page by page, checking every page but the last is full.
template <typename T, typename List>
std::vector<T> ListAll(int page_size, List list) {
  std::vector<T> all;
  std::string token;
  for (int pages = 0; pages < 1000; ++pages) {
    absl::StatusOr<Page<T>> page = list(PageOf(page_size, token));
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    all.insert(all.end(), page->items.begin(), page->items.end());
    token = page->next_page_token;
    if (token.empty()) break;
    EXPECT_EQ(static_cast<int>(page->items.size()), page_size);
  }
  return all;
}

// Success when `actual` equals `expected` field by field.
::testing::AssertionResult ProtoEq(const google::protobuf::Message& actual,
                                   const google::protobuf::Message& expected);

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_STORE_CONFORMANCE_H_
