// LabelledGraph: the operator DAG reduced to what graph edit distance compares
// (docs/algorithm.md §2.2): node label = operator kind, edge label =
// partitioning. Also a canonical form, so identical DAGs of many snapshots can
// be recognised and compared once.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_LABELLED_GRAPH_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_LABELLED_GRAPH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

struct LabelledEdge {
  int from = 0;
  int to = 0;
  int label = 0;
};

// A directed graph with a non-negative integer label on every node and edge;
// no self-loops, at most one edge per ordered pair of nodes. Operator graphs
// are DAGs, but nothing here relies on acyclicity, so it is not required.
// Immutable after Create, so safe to share between threads. The default
// value is the empty graph.
class LabelledGraph {
 public:
  // Returned by EdgeLabel when there is no edge.
  static constexpr int kNoEdge = -1;

  // INVALID_ARGUMENT when a label is negative, or an edge names a node outside
  // [0, node_labels.size()), is a self-loop or repeats an ordered pair.
  static absl::StatusOr<LabelledGraph> Create(std::vector<int> node_labels,
                                              std::vector<LabelledEdge> edges);

  LabelledGraph() = default;

  int num_nodes() const { return static_cast<int>(node_labels_.size()); }
  int num_edges() const { return static_cast<int>(edges_.size()); }
  int node_label(int node) const { return node_labels_[node]; }
  const std::vector<int>& node_labels() const { return node_labels_; }
  const std::vector<LabelledEdge>& edges() const { return edges_; }
  // Indices into edges() of the edges out of / into `node`.
  const std::vector<int>& out_edges(int node) const { return out_[node]; }
  const std::vector<int>& in_edges(int node) const { return in_[node]; }
  // Label of the edge from -> to, or kNoEdge. O(log out-degree).
  int EdgeLabel(int from, int to) const;

 private:
  std::vector<int> node_labels_;
  std::vector<LabelledEdge> edges_;
  std::vector<std::vector<int>> out_;
  std::vector<std::vector<int>> in_;
  // Per node, (target, label) sorted by target.
  std::vector<std::vector<std::pair<int, int>>> successors_;
};

// The DAG of `snapshot`: node i is operators(i) labelled with its kind, every
// edge labelled with its partitioning (UNSPECIFIED counts as REBALANCE, as the
// proto documents). Like JobGraph, meant for snapshots that passed
// ValidateSnapshot; it never fails on others: an edge naming an unknown
// operator (a repeated id names its first operator), a self-loop and a
// repeated pair (after its first occurrence) are left out.
LabelledGraph LabelledGraphFromSnapshot(const v1::Snapshot& snapshot);

// A byte string describing the graph up to a node order chosen by colour
// refinement (Weisfeiler-Lehman on labels and edge labels, both directions),
// ties broken by node index. Equal forms imply isomorphic graphs (GED 0).
// Isomorphic graphs listed in different orders get equal forms unless the
// refinement leaves symmetric ties, which only costs a missed deduplication.
std::string CanonicalForm(const LabelledGraph& graph);

// A 64-bit hash of CanonicalForm (for bucketing; compare forms to be sure).
uint64_t StructureHash(const LabelledGraph& graph);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_LABELLED_GRAPH_H_
