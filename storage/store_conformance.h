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

#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "storage/store.h"

namespace streamtune {

// Makes the store under test: a ready store, or nullptr (the test then fails
// in SetUp). `name` names the parameter in test names.
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> make;
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
