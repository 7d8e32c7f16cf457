#include "server/core/similarity/labelled_graph.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace streamtune {
namespace {

// Ranks of `signatures` among their sorted distinct values. The ranks of two
// isomorphic graphs agree node for node, which keeps refinement canonical.
std::vector<int> Ranks(const std::vector<std::vector<int>>& signatures) {
  std::vector<std::vector<int>> distinct = signatures;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<int> ranks(signatures.size());
  for (size_t v = 0; v < signatures.size(); ++v) {
    ranks[v] = static_cast<int>(
        std::lower_bound(distinct.begin(), distinct.end(), signatures[v]) -
        distinct.begin());
  }
  return ranks;
}

}  // namespace

absl::StatusOr<LabelledGraph> LabelledGraph::Create(std::vector<int> node_labels,
                                                    std::vector<LabelledEdge> edges) {
  const int n = static_cast<int>(node_labels.size());
  for (int v = 0; v < n; ++v) {
    if (node_labels[v] < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("node %d: negative label %d", v, node_labels[v]));
    }
  }
  LabelledGraph graph;
  graph.out_.resize(n);
  graph.in_.resize(n);
  graph.successors_.resize(n);
  for (size_t i = 0; i < edges.size(); ++i) {
    const LabelledEdge& e = edges[i];
    if (e.from < 0 || e.from >= n || e.to < 0 || e.to >= n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("edge %d: %d -> %d outside [0, %d)", i, e.from, e.to, n));
    }
    if (e.from == e.to) {
      return absl::InvalidArgumentError(
          absl::StrFormat("edge %d: self-loop on node %d", i, e.from));
    }
    if (e.label < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("edge %d: negative label %d", i, e.label));
    }
    graph.out_[e.from].push_back(static_cast<int>(i));
    graph.in_[e.to].push_back(static_cast<int>(i));
    graph.successors_[e.from].emplace_back(e.to, e.label);
  }
  for (int v = 0; v < n; ++v) {
    auto& succ = graph.successors_[v];
    std::sort(succ.begin(), succ.end());
    for (size_t k = 1; k < succ.size(); ++k) {
      if (succ[k].first == succ[k - 1].first) {
        return absl::InvalidArgumentError(
            absl::StrFormat("duplicate edge %d -> %d", v, succ[k].first));
      }
    }
  }
  graph.node_labels_ = std::move(node_labels);
  graph.edges_ = std::move(edges);
  return graph;
}

int LabelledGraph::EdgeLabel(int from, int to) const {
  const auto& succ = successors_[from];
  auto it = std::lower_bound(succ.begin(), succ.end(), std::make_pair(to, -1));
  return it != succ.end() && it->first == to ? it->second : kNoEdge;
}

LabelledGraph LabelledGraphFromSnapshot(const v1::Snapshot& snapshot) {
  absl::flat_hash_map<std::string, int> index;
  std::vector<int> labels;
  labels.reserve(snapshot.operators_size());
  for (int i = 0; i < snapshot.operators_size(); ++i) {
    index.emplace(snapshot.operators(i).id(), i);  // The first one wins.
    // Open enums can carry any int32; labels must be >= 0.
    labels.push_back(std::max(0, static_cast<int>(snapshot.operators(i).kind())));
  }
  std::vector<LabelledEdge> edges;
  edges.reserve(snapshot.edges_size());
  absl::flat_hash_set<std::pair<int, int>> seen;
  for (const v1::Edge& edge : snapshot.edges()) {
    auto from = index.find(edge.from());
    auto to = index.find(edge.to());
    if (from == index.end() || to == index.end() || from->second == to->second ||
        !seen.emplace(from->second, to->second).second) {
      continue;  // Invalid; ValidateSnapshot rejects it earlier.
    }
    const int partitioning = edge.partitioning() <= v1::PARTITIONING_UNSPECIFIED
                                 ? v1::PARTITIONING_REBALANCE
                                 : edge.partitioning();
    edges.push_back({from->second, to->second, partitioning});
  }
  // Labels are non-negative and the edges filtered: Create cannot fail.
  return LabelledGraph::Create(std::move(labels), std::move(edges)).value();
}

std::string CanonicalForm(const LabelledGraph& graph) {
  const int n = graph.num_nodes();
  std::vector<std::vector<int>> signatures(n);
  for (int v = 0; v < n; ++v) signatures[v] = {graph.node_label(v)};
  std::vector<int> colour = Ranks(signatures);
  int num_colours = n == 0 ? 0 : *std::max_element(colour.begin(), colour.end()) + 1;
  // Each round splits colour classes or changes nothing: at most n rounds.
  for (int round = 0; round < n; ++round) {
    for (int v = 0; v < n; ++v) {
      std::vector<std::pair<int, int>> in, out;
      for (int e : graph.in_edges(v)) {
        in.emplace_back(graph.edges()[e].label, colour[graph.edges()[e].from]);
      }
      for (int e : graph.out_edges(v)) {
        out.emplace_back(graph.edges()[e].label, colour[graph.edges()[e].to]);
      }
      std::sort(in.begin(), in.end());
      std::sort(out.begin(), out.end());
      std::vector<int>& sig = signatures[v];
      sig.assign({colour[v], static_cast<int>(in.size())});
      for (const auto& [label, c] : in) sig.insert(sig.end(), {label, c});
      for (const auto& [label, c] : out) sig.insert(sig.end(), {label, c});
    }
    colour = Ranks(signatures);
    const int refined = *std::max_element(colour.begin(), colour.end()) + 1;
    if (refined == num_colours) break;
    num_colours = refined;
  }
  std::vector<int> order(n);
  for (int v = 0; v < n; ++v) order[v] = v;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return colour[a] < colour[b]; });
  std::vector<int> position(n);
  for (int i = 0; i < n; ++i) position[order[i]] = i;
  std::vector<LabelledEdge> edges = graph.edges();
  for (LabelledEdge& e : edges) {
    e.from = position[e.from];
    e.to = position[e.to];
  }
  std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) {
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  std::string form = absl::StrCat("n", n, ":");
  for (int v : order) absl::StrAppend(&form, graph.node_label(v), ",");
  absl::StrAppend(&form, "e", edges.size(), ":");
  for (const LabelledEdge& e : edges) {
    absl::StrAppend(&form, e.from, ">", e.to, "/", e.label, ",");
  }
  return form;
}

uint64_t StructureHash(const LabelledGraph& graph) {
  // FNV-1a: stable across processes and builds, unlike absl::Hash.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : CanonicalForm(graph)) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace streamtune
