// The store conformance suite, part five: listing pages bounded in bytes
// (PageRequest::max_bytes). A page of large snapshots or answers ends early,
// with a token, so one ListSnapshots call cannot build a response of tens of
// megabytes. Same fixture and instantiations as store_conformance.cc.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/store_conformance.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// Every page of a listing with `page`'s size and byte budget: the sizes of
// the pages and the items, in order.
template <typename T, typename List>
std::vector<std::vector<T>> PagesOf(PageRequest page, List list) {
  std::vector<std::vector<T>> pages;
  for (int calls = 0; calls < 100; ++calls) {
    absl::StatusOr<Page<T>> got = list(page);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) break;
    pages.push_back(got->items);
    if (got->next_page_token.empty()) break;
    page.page_token = got->next_page_token;
  }
  return pages;
}

template <typename T>
std::vector<size_t> Sizes(const std::vector<std::vector<T>>& pages) {
  std::vector<size_t> sizes;
  for (const auto& page : pages) sizes.push_back(page.size());
  return sizes;
}

TEST_P(StoreConformanceTest, ListSnapshotsEndsAPageBeforeItsByteBudget) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        store_->PutSnapshot(tenant_, TestSnapshot("job", absl::StrCat("s", i), i))
            .ok());
  }
  auto all = store_->RecentSnapshots(tenant_, "job", 5);
  ASSERT_TRUE(all.ok()) << all.status();
  const int64_t two = StoredSnapshotBytes((*all)[0]) + StoredSnapshotBytes((*all)[1]);
  const auto list = [&](const PageRequest& page) {
    return store_->ListSnapshots(tenant_, "job", page);
  };

  // Two snapshots fit (the five are equally large); the third would not.
  auto pages = PagesOf<v1::StoredSnapshot>(PageRequest{100, "", two}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{2, 2, 1}));
  std::vector<int64_t> sequences;
  for (const auto& page : pages) {
    for (const auto& s : page) sequences.push_back(s.sequence());
  }
  EXPECT_EQ(sequences, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  ASSERT_FALSE(pages.empty());
  EXPECT_TRUE(ProtoEq(pages[0][0], (*all)[0]));

  // One byte short of two: one a page.
  pages = PagesOf<v1::StoredSnapshot>(PageRequest{100, "", two - 1}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{1, 1, 1, 1, 1}));
  // A budget smaller than one snapshot still lists it: a page makes progress.
  pages = PagesOf<v1::StoredSnapshot>(PageRequest{100, "", 1}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{1, 1, 1, 1, 1}));
  // The page size binds first when it is the smaller bound.
  pages = PagesOf<v1::StoredSnapshot>(PageRequest{3, "", two * 10}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{3, 2}));
  // Exactly all of it: one page, no token.
  pages = PagesOf<v1::StoredSnapshot>(PageRequest{5, "", two * 3}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{5}));
}

TEST_P(StoreConformanceTest, ListRecommendationsEndsAPageBeforeItsByteBudget) {
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(store_
                    ->PutSnapshotAndRecommendation(
                        tenant_, TestSnapshot("job", absl::StrCat("s", i), i),
                        TestRecommendation("ds2", 3))
                    .ok());
  }
  auto stored = store_->RecentRecommendations(tenant_, "job", 4);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 4u);
  int64_t three = 0;
  for (int i = 0; i < 3; ++i) three += RecommendationBytes((*stored)[i]);
  const auto list = [&](const PageRequest& page) {
    return store_->ListRecommendations(tenant_, "job", page);
  };
  auto pages = PagesOf<v1::Recommendation>(PageRequest{100, "", three}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{3, 1}));
  ASSERT_FALSE(pages.empty());
  EXPECT_TRUE(ProtoEq(pages[0][0], (*stored)[0]));
  pages = PagesOf<v1::Recommendation>(PageRequest{100, "", three - 1}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{2, 2}));
  pages = PagesOf<v1::Recommendation>(PageRequest{100, "", 1}, list);
  EXPECT_EQ(Sizes(pages), (std::vector<size_t>{1, 1, 1, 1}));
}

}  // namespace
}  // namespace streamtune
