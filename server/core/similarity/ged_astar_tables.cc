#include "server/core/similarity/ged_astar_tables.h"

#include <algorithm>

namespace streamtune {
namespace ged_astar_internal {

SearchTables::SearchTables(const LabelledGraph& a, const LabelledGraph& b)
    : n1_(a.num_nodes()), n2_(b.num_nodes()) {
  // Dense label ids shared by both graphs, so counts fit small arrays.
  std::vector<int> node_ids, edge_ids;
  for (const LabelledGraph* g : {&a, &b}) {
    for (int label : g->node_labels()) node_ids.push_back(label);
    for (const LabelledEdge& e : g->edges()) edge_ids.push_back(e.label);
  }
  for (std::vector<int>* ids : {&node_ids, &edge_ids}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  auto dense = [](const std::vector<int>& ids, int label) {
    return static_cast<int>(std::lower_bound(ids.begin(), ids.end(), label) -
                            ids.begin());
  };
  num_node_ids_ = static_cast<int>(node_ids.size());
  num_edge_ids_ = static_cast<int>(edge_ids.size());

  // Each next node of `a` has the most edges to those already placed (then
  // the highest degree), so edge costs enter g early and prune.
  std::vector<int> order, links(n1_, 0), position(n1_, kNone);
  auto degree = [&](int u) {
    return static_cast<int>(a.in_edges(u).size() + a.out_edges(u).size());
  };
  for (int step = 0; step < n1_; ++step) {
    int best = kNone;
    for (int u = 0; u < n1_; ++u) {
      if (position[u] != kNone) continue;
      if (best == kNone || links[u] > links[best] ||
          (links[u] == links[best] && degree(u) > degree(best))) {
        best = u;
      }
    }
    position[best] = step;
    order.push_back(best);
    for (int e : a.in_edges(best)) ++links[a.edges()[e].from];
    for (int e : a.out_edges(best)) ++links[a.edges()[e].to];
  }

  la_.resize(n1_);
  lb_.resize(n2_);
  for (int p = 0; p < n1_; ++p) la_[p] = dense(node_ids, a.node_label(order[p]));
  for (int x = 0; x < n2_; ++x) lb_[x] = dense(node_ids, b.node_label(x));
  ea_.assign(n1_ * n1_, kNone);
  eb_.assign(n2_ * n2_, kNone);
  for (const LabelledEdge& e : a.edges()) {
    ea_[position[e.from] * n1_ + position[e.to]] = dense(edge_ids, e.label);
  }
  for (const LabelledEdge& e : b.edges()) {
    eb_[e.from * n2_ + e.to] = dense(edge_ids, e.label);
    edges_b_.emplace_back(e.from, e.to);
    edge_ids_b_.push_back(dense(edge_ids, e.label));
  }
  rest_nodes_.assign((n1_ + 1) * num_node_ids_, 0);
  rest_edges_.assign((n1_ + 1) * num_edge_ids_, 0);
  for (int k = 0; k < n1_; ++k) {
    for (int p = k; p < n1_; ++p) ++rest_nodes_[k * num_node_ids_ + la_[p]];
    for (int p = 0; p < n1_; ++p) {
      for (int q = 0; q < n1_; ++q) {
        if (EdgeA(p, q) != kNone && std::max(p, q) >= k) {
          ++rest_edges_[k * num_edge_ids_ + EdgeA(p, q)];
        }
      }
    }
  }
  links_a_.resize(n1_ * 2 * n1_);
  for (int p = 0; p < n1_; ++p) {
    for (int j = 0; j < n1_; ++j) {
      links_a_[p * 2 * n1_ + 2 * j] = static_cast<int8_t>(EdgeA(p, j));
      links_a_[p * 2 * n1_ + 2 * j + 1] = static_cast<int8_t>(EdgeA(j, p));
    }
  }
  inner_counts_a_.assign(n1_ * n1_ * 2 * num_edge_ids_, 0);
  inner_sizes_a_.assign(n1_ * n1_ * 2, 0);
  for (int k = 0; k < n1_; ++k) {
    for (int p = k; p < n1_; ++p) {
      for (int q = k; q < n1_; ++q) {
        const int e = EdgeA(p, q);
        if (e == kNone) continue;
        ++inner_counts_a_[((k * n1_ + p) * 2 + 1) * num_edge_ids_ + e];
        ++inner_counts_a_[((k * n1_ + q) * 2) * num_edge_ids_ + e];
        ++inner_sizes_a_[(k * n1_ + p) * 2 + 1], ++inner_sizes_a_[(k * n1_ + q) * 2];
      }
    }
  }
}

}  // namespace ged_astar_internal
}  // namespace streamtune
