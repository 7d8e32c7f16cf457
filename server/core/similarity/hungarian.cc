#include "server/core/similarity/hungarian.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace streamtune {
namespace {

// Inserts row `r` into the assignment by the shortest augmenting path over
// reduced costs cost(row, c) - u[row] - v[c] (both solvers below). Arrays
// are 1-based over `width` columns; column 0 is the virtual column holding
// the row being inserted; row_of_col[c] == 0 marks a free column. Pairs for
// which `allowed(row, c)` is false are never relaxed.
template <typename T, typename Cost, typename Allowed, typename Flag>
void InsertRow(int r, int width, T inf, const Cost& cost, const Allowed& allowed, T* u,
               T* v, int* row_of_col, int* way, T* min_slack, Flag* used) {
  row_of_col[0] = r;
  int col = 0;
  std::fill(min_slack, min_slack + width + 1, inf);
  std::fill(used, used + width + 1, Flag{});
  do {
    used[col] = Flag{1};
    const int row = row_of_col[col];
    T delta = inf;
    int next = 0;
    for (int c = 1; c <= width; ++c) {
      if (used[c]) continue;
      if (allowed(row, c)) {
        const T slack = cost(row, c) - u[row] - v[c];
        if (slack < min_slack[c]) {
          min_slack[c] = slack;
          way[c] = col;
        }
      }
      if (min_slack[c] < delta) {
        delta = min_slack[c];
        next = c;
      }
    }
    for (int c = 0; c <= width; ++c) {
      if (used[c]) {
        u[row_of_col[c]] += delta;
        v[c] -= delta;
      } else {
        min_slack[c] -= delta;
      }
    }
    col = next;
  } while (row_of_col[col] != 0);
  // Flip the augmenting path back to the virtual column.
  do {
    const int prev = way[col];
    row_of_col[col] = row_of_col[prev];
    col = prev;
  } while (col != 0);
}

}  // namespace

absl::StatusOr<Assignment> MinCostAssignment(int rows, int cols,
                                             absl::Span<const double> costs) {
  if (rows < 0 || cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("negative dimensions %d x %d", rows, cols));
  }
  if (rows > cols) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "more rows than columns (%d x %d): no complete assignment", rows, cols));
  }
  if (costs.size() != static_cast<size_t>(rows) * static_cast<size_t>(cols)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d costs for a %d x %d matrix", costs.size(), rows, cols));
  }
  for (size_t i = 0; i < costs.size(); ++i) {
    if (!std::isfinite(costs[i])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("cost [%d][%d] is not finite", i / cols, i % cols));
    }
  }
  Assignment result;
  result.row_to_col.assign(rows, -1);
  if (rows == 0) return result;

  // Shortest augmenting paths with row potentials u and column potentials v
  // (1-based; column 0 is a virtual column holding the row being inserted).
  // Invariant: cost(r, c) - u[r] - v[c] >= 0, with equality on assigned
  // pairs, so each augmentation along reduced costs keeps the assignment
  // optimal for the rows inserted so far.
  const double kInf = std::numeric_limits<double>::infinity();
  auto cost = [&](int r, int c) {  // 1-based
    return costs[static_cast<size_t>(r - 1) * cols + (c - 1)];
  };
  std::vector<double> u(rows + 1, 0), v(cols + 1, 0);
  std::vector<int> row_of_col(cols + 1, 0);  // 0: column free
  std::vector<int> way(cols + 1, 0);
  std::vector<double> min_slack(cols + 1);
  std::vector<char> used(cols + 1);
  for (int r = 1; r <= rows; ++r) {
    InsertRow(
        r, cols, kInf, cost, [](int, int) { return true; }, u.data(), v.data(),
        row_of_col.data(), way.data(), min_slack.data(), used.data());
  }
  for (int c = 1; c <= cols; ++c) {
    if (row_of_col[c] != 0) {
      result.row_to_col[row_of_col[c] - 1] = c - 1;
      result.cost += cost(row_of_col[c], c);
    }
  }
  return result;
}

absl::StatusOr<Assignment> MinCostPartialAssignment(
    int rows, int cols, absl::Span<const double> costs,
    absl::Span<const double> row_costs, absl::Span<const double> col_costs) {
  if (rows < 0 || cols < 0 ||
      costs.size() != static_cast<size_t>(rows) * static_cast<size_t>(cols) ||
      row_costs.size() != static_cast<size_t>(rows) ||
      col_costs.size() != static_cast<size_t>(cols)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d costs, %d row costs and %d column costs for a %d x %d matrix", costs.size(),
        row_costs.size(), col_costs.size(), rows, cols));
  }
  // Solve with the smaller side as rows: the work grows with rows².
  const bool transposed = rows > cols;
  const int r_n = transposed ? cols : rows, c_n = transposed ? rows : cols;
  auto cost = [&](int r, int c) {
    return transposed ? costs[static_cast<size_t>(c) * cols + r]
                      : costs[static_cast<size_t>(r) * cols + c];
  };
  const absl::Span<const double> r_costs = transposed ? col_costs : row_costs;
  const absl::Span<const double> c_costs = transposed ? row_costs : col_costs;
  // Column c < c_n: take column c, paying cost(r, c) instead of the column's
  // own cost (which every column pays up front). Column c_n + r: leave row r
  // out. Other "leave out" columns are forbidden by a cost above any total.
  double forbidden = 1;
  for (double c : costs) forbidden += std::abs(c);
  for (double c : row_costs) forbidden += std::abs(c);
  for (double c : col_costs) forbidden += 2 * std::abs(c);
  if (!std::isfinite(forbidden)) {
    return absl::InvalidArgumentError("a cost is not finite");
  }
  const int width = c_n + r_n;
  std::vector<double> reduced(static_cast<size_t>(r_n) * width, forbidden);
  for (int r = 0; r < r_n; ++r) {
    for (int c = 0; c < c_n; ++c) reduced[r * width + c] = cost(r, c) - c_costs[c];
    reduced[r * width + c_n + r] = r_costs[r];
  }
  absl::StatusOr<Assignment> inner = MinCostAssignment(r_n, width, reduced);
  if (!inner.ok()) return inner.status();
  Assignment result;
  result.cost = inner->cost;
  for (double c : c_costs) result.cost += c;
  result.row_to_col.assign(rows, -1);
  for (int r = 0; r < r_n; ++r) {
    const int c = inner->row_to_col[r];
    if (c >= c_n) continue;  // Left out.
    if (transposed) {
      result.row_to_col[c] = r;
    } else {
      result.row_to_col[r] = c;
    }
  }
  return result;
}

int SmallPartialAssignmentCost(int rows, int cols, absl::Span<const int> costs,
                               absl::Span<const int> row_costs,
                               absl::Span<const int> col_costs,
                               absl::Span<int> choice_bounds) {
  // The reduction of MinCostPartialAssignment, solved by the same shortest
  // augmenting paths as MinCostAssignment, on fixed arrays. Instead of
  // forbidding the other rows' "leave out" columns by a high cost, the
  // search never relaxes them.
  const bool transposed = rows > cols;
  const int r_n = transposed ? cols : rows, c_n = transposed ? rows : cols;
  const absl::Span<const int> r_costs = transposed ? col_costs : row_costs;
  const absl::Span<const int> c_costs = transposed ? row_costs : col_costs;
  int total = 0;
  for (int c : c_costs) total += c;
  constexpr int kWidth = 2 * kMaxSmallAssignment + 1;  // 1-based columns.
  const int width = c_n + r_n;
  std::array<std::array<int, kWidth>, kMaxSmallAssignment + 1> reduced;
  for (int r = 1; r <= r_n; ++r) {
    for (int c = 1; c <= c_n; ++c) {
      reduced[r][c] = (transposed ? costs[(c - 1) * cols + (r - 1)]
                                  : costs[(r - 1) * cols + (c - 1)]) -
                      c_costs[c - 1];
    }
    reduced[r][c_n + r] = r_costs[r - 1];
  }
  // Far from overflow: slacks never relaxed still move by every delta.
  const int kInf = std::numeric_limits<int>::max() / 2;
  std::array<int, kMaxSmallAssignment + 1> u{};
  std::array<int, kWidth> v{}, row_of_col{}, way{}, min_slack;
  std::array<bool, kWidth> used;
  // Only a row's own "leave out" column is relaxed.
  auto allowed = [c_n](int row, int c) { return c <= c_n || c == c_n + row; };
  auto reduced_cost = [&reduced](int row, int c) { return reduced[row][c]; };
  for (int r = 1; r <= r_n; ++r) {
    InsertRow(r, width, kInf, reduced_cost, allowed, u.data(), v.data(),
              row_of_col.data(), way.data(), min_slack.data(), used.data());
  }
  for (int c = 1; c <= width; ++c) {
    if (row_of_col[c] != 0) total += reduced[row_of_col[c]][c];
  }
  if (choice_bounds.empty()) return total;
  // Every assignment costs total plus the reduced costs of its pairs (all
  // >= 0), minus the potentials of the columns it leaves free (all <= 0;
  // the free columns of the optimum have 0).
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c <= cols; ++c) {
      int extra;
      if (!transposed) {
        const int col = c < cols ? c + 1 : c_n + r + 1;
        extra = reduced[r + 1][col] - u[r + 1] - v[col];
      } else if (c < cols) {
        extra = reduced[c + 1][r + 1] - u[c + 1] - v[r + 1];
      } else {
        extra = -v[r + 1];
      }
      choice_bounds[r * (cols + 1) + c] = total + extra;
    }
  }
  return total;
}

}  // namespace streamtune
