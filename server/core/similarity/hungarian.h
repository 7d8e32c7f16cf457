// Minimum-cost assignment (the linear sum assignment problem) by the
// Hungarian algorithm with potentials, O(rows² · cols). Graph edit distance
// uses it for its bipartite upper bound and its A* heuristic (ged.h).
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_HUNGARIAN_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_HUNGARIAN_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace streamtune {

struct Assignment {
  // row_to_col[r] is the column assigned to row r; columns are distinct.
  std::vector<int> row_to_col;
  // Sum of the assigned costs.
  double cost = 0;
};

// Assigns every row of the row-major `rows` × `cols` matrix `costs` to a
// distinct column so that the total cost is minimal. Ties are broken
// deterministically. A pure function, safe to call from any thread.
//
// INVALID_ARGUMENT when rows > cols, a dimension is negative, costs.size()
// differs from rows · cols, or a cost is not finite (express "forbidden" as a
// large finite cost). Zero rows give an empty assignment of cost 0.
absl::StatusOr<Assignment> MinCostAssignment(int rows, int cols,
                                             absl::Span<const double> costs);

// The assignment problem with the option of leaving things out, as graph
// edit distance needs it (a node substituted, deleted or inserted): row r is
// either assigned to a distinct column c at costs[r · cols + c] or left out at
// row_costs[r]; every column nobody takes costs col_costs[c]. Solved as a
// rows × (cols + rows) assignment (the smaller side as rows), cheaper than
// the usual (rows + cols)² matrix. row_to_col[r] is -1 for a row left out.
// INVALID_ARGUMENT for mismatched sizes or a cost that is not finite.
absl::StatusOr<Assignment> MinCostPartialAssignment(int rows, int cols,
                                                    absl::Span<const double> costs,
                                                    absl::Span<const double> row_costs,
                                                    absl::Span<const double> col_costs);

// The minimum cost of MinCostPartialAssignment for small integer problems,
// without allocating or checking: rows and cols at most kMaxSmallAssignment,
// sizes matching. For the A* bound (ged_astar.cc), which solves one per
// search state. When `choice_bounds` is not empty it has rows · (cols + 1)
// entries and receives, for row r and choice c (a column, or cols for leaving
// r out), a lower bound of the cost of every assignment making that choice:
// the minimum plus the choice's reduced cost under the optimal potentials
// (LP duality), so the minimum itself for an optimal choice.
inline constexpr int kMaxSmallAssignment = 12;
int SmallPartialAssignmentCost(int rows, int cols, absl::Span<const int> costs,
                               absl::Span<const int> row_costs,
                               absl::Span<const int> col_costs,
                               absl::Span<int> choice_bounds = {});

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_HUNGARIAN_H_
