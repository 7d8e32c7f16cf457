#include "server/core/similarity/hungarian.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;

// The trivially correct model: every injective row -> column map.
double BruteForceMinCost(int rows, int cols, const std::vector<double>& costs,
                         int row = 0, std::vector<char>* used = nullptr) {
  std::vector<char> local(cols, 0);
  if (used == nullptr) used = &local;
  if (row == rows) return 0;
  double best = std::numeric_limits<double>::infinity();
  for (int c = 0; c < cols; ++c) {
    if ((*used)[c]) continue;
    (*used)[c] = 1;
    best = std::min(best, costs[row * cols + c] +
                              BruteForceMinCost(rows, cols, costs, row + 1, used));
    (*used)[c] = 0;
  }
  return best;
}

TEST(Hungarian, SolvesAHandComputedSquareMatrix) {
  // The diagonal costs 4 + 0 + 2 = 6; the unique optimum is
  // (0->1) 1 + (1->0) 2 + (2->2) 2 = 5.
  const std::vector<double> costs = {4, 1, 3,  //
                                     2, 0, 5,  //
                                     3, 2, 2};
  auto result = MinCostAssignment(3, 3, costs);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->row_to_col, ElementsAre(1, 0, 2));
  EXPECT_DOUBLE_EQ(result->cost, 5);
}

TEST(Hungarian, SolvesARectangularMatrix) {
  // Two rows, three columns: row 0 takes column 2, row 1 column 0.
  const std::vector<double> costs = {5, 4, 1,  //
                                     1, 3, 2};
  auto result = MinCostAssignment(2, 3, costs);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->row_to_col, ElementsAre(2, 0));
  EXPECT_DOUBLE_EQ(result->cost, 2);
}

TEST(Hungarian, HandlesNegativeCostsAndEmptyInput) {
  auto result = MinCostAssignment(2, 2, std::vector<double>{-1, -5, -3, -2});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->cost, -8);
  auto empty = MinCostAssignment(0, 3, {});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->row_to_col.empty());
  EXPECT_DOUBLE_EQ(empty->cost, 0);
}

TEST(Hungarian, RejectsBadInput) {
  EXPECT_EQ(MinCostAssignment(3, 2, std::vector<double>(6, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinCostAssignment(2, 2, std::vector<double>(3, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinCostAssignment(-1, 2, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(MinCostAssignment(1, 2, std::vector<double>{1, inf}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(MinCostAssignment(1, 1, std::vector<double>{nan}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Hungarian, MatchesBruteForceOnRandomMatrices) {
  std::mt19937_64 rng(20250101);
  for (int trial = 0; trial < 400; ++trial) {
    const int rows = std::uniform_int_distribution<int>(1, 6)(rng);
    const int cols = rows + std::uniform_int_distribution<int>(0, 2)(rng);
    // Half the trials use small integers, so ties are common.
    const bool integers = trial % 2 == 0;
    std::vector<double> costs(rows * cols);
    for (double& c : costs) {
      c = integers ? std::uniform_int_distribution<int>(0, 3)(rng)
                   : std::uniform_real_distribution<double>(-10, 100)(rng);
    }
    auto result = MinCostAssignment(rows, cols, costs);
    ASSERT_TRUE(result.ok()) << result.status();
    const double expected = BruteForceMinCost(rows, cols, costs);
    EXPECT_NEAR(result->cost, expected, 1e-9) << "trial " << trial;
    // The reported assignment is a valid injective map with that cost.
    std::vector<char> seen(cols, 0);
    double sum = 0;
    for (int r = 0; r < rows; ++r) {
      const int c = result->row_to_col[r];
      ASSERT_GE(c, 0);
      ASSERT_LT(c, cols);
      EXPECT_FALSE(seen[c]) << "column " << c << " used twice";
      seen[c] = 1;
      sum += costs[r * cols + c];
    }
    EXPECT_NEAR(sum, result->cost, 1e-9);
  }
}

// The trivially correct model with the option to leave rows out.
double BruteForcePartial(int rows, int cols, const std::vector<double>& costs,
                         const std::vector<double>& row_costs,
                         const std::vector<double>& col_costs, int row,
                         std::vector<char>* used) {
  if (row == rows) {
    double total = 0;
    for (int c = 0; c < cols; ++c) total += (*used)[c] ? 0 : col_costs[c];
    return total;
  }
  double best = row_costs[row] + BruteForcePartial(rows, cols, costs, row_costs,
                                                   col_costs, row + 1, used);
  for (int c = 0; c < cols; ++c) {
    if ((*used)[c]) continue;
    (*used)[c] = 1;
    best = std::min(
        best, costs[row * cols + c] + BruteForcePartial(rows, cols, costs, row_costs,
                                                        col_costs, row + 1, used));
    (*used)[c] = 0;
  }
  return best;
}

TEST(Hungarian, PartialAssignmentMatchesBruteForce) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    // Either side may be the larger one (the solver transposes).
    const int rows = std::uniform_int_distribution<int>(0, 5)(rng);
    const int cols = std::uniform_int_distribution<int>(0, 5)(rng);
    auto draw = [&] { return std::uniform_int_distribution<int>(0, 6)(rng) * 0.5; };
    std::vector<double> costs(rows * cols), row_costs(rows), col_costs(cols);
    for (double& c : costs) c = draw();
    for (double& c : row_costs) c = draw();
    for (double& c : col_costs) c = draw();
    auto result = MinCostPartialAssignment(rows, cols, costs, row_costs, col_costs);
    ASSERT_TRUE(result.ok()) << result.status();
    std::vector<char> used(cols, 0);
    EXPECT_NEAR(result->cost,
                BruteForcePartial(rows, cols, costs, row_costs, col_costs, 0, &used),
                1e-9)
        << "trial " << trial;
    // The reported choice has the reported cost.
    ASSERT_EQ(result->row_to_col.size(), static_cast<size_t>(rows));
    std::vector<char> taken(cols, 0);
    double total = 0;
    for (int r = 0; r < rows; ++r) {
      const int c = result->row_to_col[r];
      if (c < 0) {
        total += row_costs[r];
        continue;
      }
      ASSERT_LT(c, cols);
      EXPECT_FALSE(taken[c]);
      taken[c] = 1;
      total += costs[r * cols + c];
    }
    for (int c = 0; c < cols; ++c) total += taken[c] ? 0 : col_costs[c];
    EXPECT_NEAR(total, result->cost, 1e-9);
  }
  EXPECT_EQ(MinCostPartialAssignment(2, 2, std::vector<double>(4, 0), {1}, {1, 1})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Hungarian, SmallIntegerPartialAssignmentMatchesBruteForce) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 300; ++trial) {
    const int rows = std::uniform_int_distribution<int>(0, 5)(rng);
    const int cols = std::uniform_int_distribution<int>(0, 5)(rng);
    auto draw = [&] { return std::uniform_int_distribution<int>(0, 6)(rng); };
    std::vector<int> costs(rows * cols), row_costs(rows), col_costs(cols);
    for (int& c : costs) c = draw();
    for (int& c : row_costs) c = draw();
    for (int& c : col_costs) c = draw();
    std::vector<int> bounds(rows * (cols + 1));
    const int cost = SmallPartialAssignmentCost(rows, cols, costs, row_costs, col_costs,
                                                absl::MakeSpan(bounds));
    auto brute = [&](const std::vector<int>& c, const std::vector<int>& r) {
      std::vector<char> used(cols, 0);
      return BruteForcePartial(rows, cols, {c.begin(), c.end()}, {r.begin(), r.end()},
                               {col_costs.begin(), col_costs.end()}, 0, &used);
    };
    ASSERT_EQ(cost, brute(costs, row_costs)) << "trial " << trial;
    EXPECT_EQ(SmallPartialAssignmentCost(rows, cols, costs, row_costs, col_costs),
              cost);
    // Each choice bound is at most the cheapest assignment making that
    // choice (the others of its row priced out), and met by an optimal one.
    const int kOut = 1000;
    for (int r = 0; r < rows; ++r) {
      int best_bound = kOut;
      for (int choice = 0; choice <= cols; ++choice) {
        std::vector<int> forced = costs, forced_rows = row_costs;
        for (int c = 0; c < cols; ++c)
          forced[r * cols + c] = c == choice ? costs[r * cols + c] : kOut;
        if (choice < cols) forced_rows[r] = kOut;
        const int bound = bounds[r * (cols + 1) + choice];
        EXPECT_LE(bound, brute(forced, forced_rows)) << "trial " << trial;
        EXPECT_GE(bound, cost);
        best_bound = std::min(best_bound, bound);
      }
      EXPECT_EQ(best_bound, cost) << "trial " << trial;
    }
  }
}

TEST(Hungarian, SolvesALargeMatrixQuickly) {
  // 300 x 300 with a planted zero-cost permutation: the optimum is 0.
  const int n = 300;
  std::mt19937_64 rng(7);
  std::vector<int> perm(n);
  for (int i = 0; i < n; ++i) perm[i] = (i * 7 + 3) % n;
  std::vector<double> costs(n * n);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      costs[r * n + c] =
          c == perm[r] ? 0 : std::uniform_real_distribution<double>(1, 2)(rng);
    }
  }
  auto result = MinCostAssignment(n, n, costs);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->cost, 0);
  for (int r = 0; r < n; ++r) EXPECT_EQ(result->row_to_col[r], perm[r]);
}

}  // namespace
}  // namespace streamtune
