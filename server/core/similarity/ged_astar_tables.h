// The per-pair tables of the exact GED search (ged_astar.cc): both graphs
// with dense label ids, the nodes of the smaller one in search order, and
// label counts per search depth, so that the bounds of a state read arrays.
// Internal to ged_astar.cc.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_TABLES_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_TABLES_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "server/core/similarity/labelled_graph.h"

namespace streamtune {
namespace ged_astar_internal {

// No edge, or no image (a deleted node).
inline constexpr int kNone = -1;

class SearchTables {
 public:
  // a.num_nodes() <= b.num_nodes() <= kMaxExactGedNodes (ged_astar.h).
  SearchTables(const LabelledGraph& a, const LabelledGraph& b);

 protected:
  int EdgeA(int p, int q) const { return ea_[p * n1_ + q]; }
  int EdgeB(int x, int y) const {
    return x == kNone || y == kNone ? kNone : eb_[x * n2_ + y];
  }

  int n1_, n2_, num_edge_ids_;
  std::vector<int> la_, lb_;  // Node labels by position of a / node of b.
  std::vector<int> ea_, eb_;  // Dense edge label ids, kNone for no edge.
  std::vector<std::pair<int, int>> edges_b_;  // (from, to) of b, with
  std::vector<int> edge_ids_b_;               // their label ids.
  // Per depth k, label counts of a's nodes at positions >= k and of a's
  // edges with an endpoint at a position >= k.
  std::vector<int> rest_nodes_, rest_edges_;
  int num_node_ids_;
  // Per depth k and position p >= k, label counts of a's edges between p
  // and positions >= k, by direction ([k][p][0 = in, 1 = out][label]), and
  // their sizes ([k][p][direction]).
  std::vector<int> inner_counts_a_, inner_sizes_a_;
  // Position p's edge labels to and from position j, at [p][2j] and
  // [p][2j + 1] (stride 2 · n1); the same for b's images in a state.
  std::vector<int8_t> links_a_;
};

}  // namespace ged_astar_internal
}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_TABLES_H_
