#include "server/core/similarity/hungarian.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace streamtune {

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
    row_of_col[0] = r;
    int col = 0;
    std::fill(min_slack.begin(), min_slack.end(), kInf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[col] = 1;
      const int row = row_of_col[col];
      double delta = kInf;
      int next = 0;
      for (int c = 1; c <= cols; ++c) {
        if (used[c]) continue;
        const double slack = cost(row, c) - u[row] - v[c];
        if (slack < min_slack[c]) {
          min_slack[c] = slack;
          way[c] = col;
        }
        if (min_slack[c] < delta) {
          delta = min_slack[c];
          next = c;
        }
      }
      for (int c = 0; c <= cols; ++c) {
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

}  // namespace streamtune
