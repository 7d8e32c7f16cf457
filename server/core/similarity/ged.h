// Graph edit distance (GED) between operator DAGs (docs/algorithm.md
// §2.2): node label = operator kind, edge label = partitioning, and every edit
// (node or edge insertion, deletion, label substitution) costs 1. Exact GED is
// NP-hard, so there is a lower bound, a bipartite upper bound and an exact A*
// for small graphs. Every function is pure and safe to call from any thread.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_GED_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_GED_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/similarity/ged_astar.h"
#include "server/core/similarity/labelled_graph.h"

namespace streamtune {

// The cost of the edit path induced by a node mapping: node u of `a` becomes
// node mapping[u] of `b` (a substitution, 1 if the labels differ) or is
// deleted (mapping[u] == -1); nodes of `b` nobody maps to are inserted. Edges
// follow their endpoints: an edge (u, w) of `a` is substituted by
// (mapping[u], mapping[w]) when that edge exists in `b`, otherwise deleted;
// edges of `b` left over are inserted. Every such cost is an upper bound of
// the GED. INVALID_ARGUMENT if mapping.size() != a.num_nodes(), a target is
// outside [-1, b.num_nodes()) or two nodes share a target.
absl::StatusOr<int> EditCostOfMapping(const LabelledGraph& a, const LabelledGraph& b,
                                      absl::Span<const int> mapping);

// The label-multiset lower bound: max(|V1|, |V2|) minus the node labels the
// graphs have in common (as multisets), plus the same for edges. O(V + E).
int GedLowerBound(const LabelledGraph& a, const LabelledGraph& b);

// The node mapping of the bipartite approximation (Riesen & Bunke 2009): an
// optimal assignment (Hungarian algorithm) on the (|V1|+|V2|)² matrix of
// substitution, deletion and insertion costs, where each node's cost includes
// its local edge structure: the multiset edit cost of its incident edges'
// labels, in and out separately, each edge weighted 1/2 (it is seen from both
// endpoints). The matrix is solved in its equivalent compact form
// (MinCostPartialAssignment), O(min(|V1|,|V2|)² · (|V1|+|V2|)).
// mapping[u] is a node of b or -1 (deleted).
std::vector<int> BipartiteNodeMapping(const LabelledGraph& a, const LabelledGraph& b);

// A lower bound at least as tight in practice: the optimal cost of the
// assignment behind BipartiteNodeMapping, rounded up (every edit path costs
// at least its nodes' entries of that cost matrix; ged.cc). Costs the same
// as GedApproximate, which finds it on the way.
int GedAssignmentLowerBound(const LabelledGraph& a, const LabelledGraph& b);

// An upper bound: the exact edit cost of BipartiteNodeMapping. The mapping is
// computed in both directions (a -> b and b -> a, which can break ties
// differently) and the cheaper kept, so the result is symmetric.
int GedApproximate(const LabelledGraph& a, const LabelledGraph& b);

// The exact GED by A* over node mappings with admissible heuristics (the
// label-multiset bound and an assignment bound of what is not mapped yet;
// ged_astar.cc), pruned by GedApproximate and skipped when a lower bound
// already meets it: GedLowerBound or the cost of the bipartite assignment
// (a lower bound too; ged.cc). INVALID_ARGUMENT if either graph has more than
// kMaxExactGedNodes nodes. Measured: ~0.1 ms for two random 8-node DAGs,
// 1-2 ms (up to ~6 ms) for two 10-node DAGs.
absl::StatusOr<int> GedExact(const LabelledGraph& a, const LabelledGraph& b);

// GED / (|V1| + |V2| + |E1| + |E2|), in [0, 1] (0 for two empty graphs).
// The GED is exact (GedExact) when both graphs have at most
// kMaxExactGedNodes nodes and GedApproximate otherwise, so larger graphs get
// an upper bound (still symmetric, 0 only for isomorphic graphs). A* runs
// only when the lower bounds are below GedApproximate (see GedExact).
double NormalisedGed(const LabelledGraph& a, const LabelledGraph& b);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_GED_H_
