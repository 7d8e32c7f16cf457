#include "bench/load/load_run.h"

#include <vector>

#include "gtest/gtest.h"

namespace streamtune::load {
namespace {

std::vector<absl::Duration> Millis(std::vector<int> values) {
  std::vector<absl::Duration> out;
  for (int v : values) out.push_back(absl::Milliseconds(v));
  return out;
}

TEST(Quantile, NearestRankOfUnsortedLatencies) {
  std::vector<absl::Duration> latencies = Millis({9, 1, 5, 3, 7, 2, 8, 4, 10, 6});
  EXPECT_EQ(Quantile(latencies, 0.5), absl::Milliseconds(5));
  EXPECT_EQ(Quantile(latencies, 0.99), absl::Milliseconds(10));
  EXPECT_EQ(Quantile(latencies, 0.0), absl::Milliseconds(1));
  EXPECT_EQ(Quantile(latencies, 1.0), absl::Milliseconds(10));
}

TEST(Quantile, EmptyAndSingle) {
  std::vector<absl::Duration> none;
  EXPECT_EQ(Quantile(none, 0.5), absl::ZeroDuration());
  std::vector<absl::Duration> one = Millis({42});
  EXPECT_EQ(Quantile(one, 0.99), absl::Milliseconds(42));
}

TEST(RunLoad, RejectsBadOptions) {
  LoadOptions options;
  options.concurrency = 0;
  EXPECT_EQ(RunLoad(options, v1::Snapshot()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune::load
