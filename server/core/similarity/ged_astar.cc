#include "server/core/similarity/ged_astar.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <queue>
#include <vector>

#include "absl/types/span.h"
#include "server/core/similarity/ged_astar_tables.h"
#include "server/core/similarity/hungarian.h"

// The search maps the nodes of the smaller graph `a` one by one, in a fixed
// order, to an unused node of `b` or to nothing (deletion); a state is such a
// partial mapping. g(state) is the exact cost of everything the mapping
// already decides: the mapped nodes, and the edges between them and between
// their images. h(state) bounds the rest from below (admissible), so the
// first complete mapping with the lowest f = g + h is optimal. The bounds:
//  - label multisets, for the root (and exact for a complete mapping): the
//    unmapped nodes of `a` against the unused nodes of `b`, and the edges of
//    `a` with an unmapped endpoint against the edges of `b` with an unused
//    endpoint;
//  - an assignment bound (Riesen, Fankhauser & Bunke 2007): the Hungarian
//    algorithm on the unmapped and unused nodes, where mapping u to x costs
//    the node substitution, exactly the edges between u and the mapped
//    nodes (their images are known), and half the multiset cost of the
//    edges among unmapped nodes (each such edge is seen from both of its
//    endpoints). Computed when a state is first popped, which requeues it
//    if f grew. Costs are doubled to integers for the small Hungarian;
//  - for a child when it is generated, the bound it inherits from its
//    parent's assignment: the parent's optimum plus the reduced cost of the
//    child's choice for the parent's next node (LP duality; every completion
//    of the child is one of the parent making that choice). It prunes most
//    children before their own assignment is solved.
namespace streamtune {
namespace {

using ged_astar_internal::kNone;
using ged_astar_internal::SearchTables;

// Unit edit cost between two optional edge labels (kNone: no edge).
int EdgeCost(int e1, int e2) { return e1 != e2; }

// The number of positions where `a` and `b` differ.
int Mismatches(const int8_t* a, const int8_t* b, int n) {
  int count = 0;
  for (int t = 0; t < n; ++t) count += a[t] != b[t];
  return count;
}

class Search : private SearchTables {
 public:
  // a.num_nodes() <= b.num_nodes() <= kMaxExactGedNodes.
  Search(const LabelledGraph& a, const LabelledGraph& b);
  int Run(int upper_bound);

 private:
  struct State {
    int g;
    int f;
    uint32_t used;                                // Bit x: node x of b is an image.
    int8_t depth;                                 // Positions [0, depth) are mapped.
    bool refined;                                 // f includes the assignment bound.
    std::array<int8_t, kMaxExactGedNodes> image;  // By position; kNone deleted.
    // Once refined: a lower bound of f for the child mapping position depth
    // to node x of b, at index x + 1 (0: deletion), from the assignment.
    std::array<int16_t, kMaxExactGedNodes + 1> child_f;
  };

  // Exact cost of the edges between position p (mapped to x, maybe kNone)
  // and the mapped positions of `s`.
  int LinkCost(const State& s, int p, int x) const;
  int MultisetBound(int depth, uint32_t used) const;
  // Also sets s.child_f.
  int AssignmentBound(State& s) const;

  // Scratch buffers of the bounds, which run for every generated (popped)
  // state: kept here so that they allocate rarely. Search runs on one thread.
  mutable std::vector<int> edge_counts_, inner_counts_b_;
};

Search::Search(const LabelledGraph& a, const LabelledGraph& b) : SearchTables(a, b) {
  edge_counts_.resize(num_edge_ids_);
}

int Search::LinkCost(const State& s, int p, int x) const {
  int cost = 0;
  for (int j = 0; j < s.depth; ++j) {
    const int y = s.image[j];
    cost += EdgeCost(EdgeA(p, j), EdgeB(x, y)) + EdgeCost(EdgeA(j, p), EdgeB(y, x));
  }
  return cost;
}

// Exact when depth == n1: what is left is inserting the unused part of b.
int Search::MultisetBound(int depth, uint32_t used) const {
  std::array<int, 2 * kMaxExactGedNodes> nodes{};
  std::vector<int>& edges = edge_counts_;
  std::fill(edges.begin(), edges.end(), 0);
  int free_nodes = 0, free_edges = 0;
  for (int x = 0; x < n2_; ++x) {
    if (!(used >> x & 1)) ++nodes[lb_[x]], ++free_nodes;
  }
  for (size_t e = 0; e < edges_b_.size(); ++e) {
    if (!(used >> edges_b_[e].first & 1) || !(used >> edges_b_[e].second & 1)) {
      ++edges[edge_ids_b_[e]], ++free_edges;
    }
  }
  int common_nodes = 0, common_edges = 0, rest_edges = 0;
  for (int l = 0; l < num_node_ids_; ++l) {
    common_nodes += std::min(nodes[l], rest_nodes_[depth * num_node_ids_ + l]);
  }
  for (int l = 0; l < num_edge_ids_; ++l) {
    const int rest = rest_edges_[depth * num_edge_ids_ + l];
    rest_edges += rest;
    common_edges += std::min(edges[l], rest);
  }
  return std::max(n1_ - depth, free_nodes) - common_nodes +
         std::max(rest_edges, free_edges) - common_edges;
}

int Search::AssignmentBound(State& s) const {
  const int k = s.depth, m = num_edge_ids_, ra = n1_ - k;
  std::array<int, kMaxExactGedNodes> cols;  // Unused nodes of b.
  int rb = 0;
  for (int x = 0; x < n2_; ++x) {
    if (!(s.used >> x & 1)) cols[rb++] = x;
  }
  // Label counts of the edges among the unused nodes of b, per node and
  // direction: [node][0 = in, 1 = out][label], and their sizes.
  std::vector<int>& count_b = inner_counts_b_;
  count_b.assign(rb * 2 * m, 0);
  std::array<std::array<int, 2>, kMaxExactGedNodes> size_b{};
  for (int i = 0; i < rb; ++i) {
    for (int j = 0; j < rb; ++j) {
      const int e = EdgeB(cols[i], cols[j]);
      if (e == kNone) continue;
      ++count_b[(i * 2 + 1) * m + e], ++count_b[(j * 2) * m + e];
      ++size_b[i][1], ++size_b[j][0];
    }
  }
  // The edges between the unused nodes and the images, and none (for a
  // deleted node), laid out as links_a_: the link cost is the mismatches.
  std::array<int8_t, kMaxExactGedNodes * 2 * kMaxExactGedNodes> links_b;
  std::array<int8_t, 2 * kMaxExactGedNodes> no_links;
  no_links.fill(kNone);
  for (int j = 0; j < rb; ++j) {
    for (int t = 0; t < k; ++t) {
      links_b[j * 2 * k + 2 * t] = static_cast<int8_t>(EdgeB(cols[j], s.image[t]));
      links_b[j * 2 * k + 2 * t + 1] = static_cast<int8_t>(EdgeB(s.image[t], cols[j]));
    }
  }
  // All costs doubled, so that the halves of the inner edges are integers.
  std::array<int, kMaxExactGedNodes * kMaxExactGedNodes> substitute;
  std::array<int, kMaxExactGedNodes> remove, insert;
  for (int i = 0; i < ra; ++i) {
    const int p = k + i;
    const int* count_a = &inner_counts_a_[(k * n1_ + p) * 2 * m];
    const int* size_a = &inner_sizes_a_[(k * n1_ + p) * 2];
    const int8_t* links_p = &links_a_[p * 2 * n1_];
    for (int j = 0; j < rb; ++j) {
      int inner = 0;  // Multiset edit cost of the inner edges, both directions.
      for (int d = 0; d < 2; ++d) {
        int common = 0;
        for (int l = 0; l < m; ++l) {
          common += std::min(count_a[d * m + l], count_b[(j * 2 + d) * m + l]);
        }
        inner += std::max(size_a[d], size_b[j][d]) - common;
      }
      const int link = Mismatches(links_p, &links_b[j * 2 * k], 2 * k);
      substitute[i * rb + j] = 2 * ((la_[p] != lb_[cols[j]]) + link) + inner;
    }
    remove[i] =
        2 * (1 + Mismatches(links_p, no_links.data(), 2 * k)) + size_a[0] + size_a[1];
  }
  for (int j = 0; j < rb; ++j) {
    const int link = Mismatches(&links_b[j * 2 * k], no_links.data(), 2 * k);
    insert[j] = 2 * (1 + link) + size_b[j][0] + size_b[j][1];
  }
  std::array<int, kMaxExactGedNodes*(kMaxExactGedNodes + 1)> choice_bounds;
  const int doubled = SmallPartialAssignmentCost(
      ra, rb, absl::MakeConstSpan(substitute.data(), ra * rb),
      absl::MakeConstSpan(remove.data(), ra), absl::MakeConstSpan(insert.data(), rb),
      absl::MakeSpan(choice_bounds.data(), ra * (rb + 1)));
  // Row 0 is position k: any completion mapping it to cols[j] (deleting
  // it) costs at least g plus choice bound j (rb), halved and rounded up.
  s.child_f.fill(0);
  s.child_f[0] = static_cast<int16_t>(s.g + (choice_bounds[rb] + 1) / 2);
  for (int j = 0; j < rb; ++j) {
    s.child_f[cols[j] + 1] = static_cast<int16_t>(s.g + (choice_bounds[j] + 1) / 2);
  }
  return (doubled + 1) / 2;  // Rounded up: GED values are integers.
}

int Search::Run(int upper_bound) {
  // Lowest f first; among equals the deepest, which completes sooner.
  auto worse = [](const State& s, const State& t) {
    return s.f != t.f ? s.f > t.f : s.depth < t.depth;
  };
  std::priority_queue<State, std::vector<State>, decltype(worse)> open(worse);
  State root{0, 0, 0, 0, false, {}, {}};
  root.image.fill(kNone);
  if (n1_ == 0) return std::min(upper_bound, MultisetBound(0, 0));
  root.f = MultisetBound(0, 0);
  if (root.f < upper_bound) open.push(root);
  while (!open.empty()) {
    State s = open.top();
    open.pop();
    // Every state left has f >= the best complete mapping found: since h
    // never overestimates, none of them leads to a cheaper one.
    if (s.f >= upper_bound) break;
    if (!s.refined) {
      // The assignment bound is computed when a state is first popped, not
      // when generated: measured 1.3-1.6x faster on random 8-10 node DAGs.
      const int f = std::max(s.f, s.g + AssignmentBound(s));
      s.refined = true;
      if (f > s.f) {
        s.f = f;
        if (f < upper_bound) open.push(s);
        continue;
      }
    }
    const int k = s.depth;
    for (int x = kNone; x < n2_; ++x) {
      if (x != kNone && (s.used >> x & 1)) continue;
      if (s.child_f[x + 1] >= upper_bound) continue;  // Cheapest test first.
      State child = s;
      child.g = s.g + (x == kNone ? 1 : la_[k] != lb_[x]) + LinkCost(s, k, x);
      child.depth = static_cast<int8_t>(k + 1);
      child.image[k] = static_cast<int8_t>(x);
      if (x != kNone) child.used |= 1u << x;
      // The bound inherited from the parent's assignment prunes more than
      // the label multisets, measured 9% faster than taking the larger.
      child.f = k + 1 == n1_ ? child.g + MultisetBound(k + 1, child.used)
                             : std::max<int>(child.g, s.child_f[x + 1]);
      if (child.f >= upper_bound) continue;
      if (k + 1 == n1_) {  // Complete: the bound was exact.
        upper_bound = child.f;
        continue;
      }
      child.refined = false;
      open.push(child);
    }
  }
  return upper_bound;
}

}  // namespace

int AStarGed(const LabelledGraph& a, const LabelledGraph& b, int upper_bound) {
  // Mapping the smaller graph gives fewer levels of at most |V2| + 1
  // children; unit costs make the GED symmetric.
  if (a.num_nodes() > b.num_nodes()) return Search(b, a).Run(upper_bound);
  return Search(a, b).Run(upper_bound);
}

}  // namespace streamtune
