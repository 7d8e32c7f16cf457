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

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_HUNGARIAN_H_
