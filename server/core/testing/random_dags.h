// Test and benchmark helper: a seeded generator of random labelled DAGs with
// random operator kinds and partitionings, for property tests of GED and
// clustering. Deterministic for a given std::mt19937_64 state (on one
// standard library).
#ifndef STREAMTUNE_SERVER_CORE_TESTING_RANDOM_DAGS_H_
#define STREAMTUNE_SERVER_CORE_TESTING_RANDOM_DAGS_H_

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "server/core/similarity/labelled_graph.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::testing {

struct RandomDagOptions {
  int min_nodes = 3;
  int max_nodes = 8;
  // Each earlier node other than the chosen parent becomes a parent too with
  // this probability.
  double extra_edge_probability = 0.2;
  // Node labels are drawn from [1, num_kinds] (OperatorKind values), edge
  // labels from [1, num_partitionings] (Partitioning values).
  int num_kinds = v1::OPERATOR_KIND_SINK;
  int num_partitionings = v1::PARTITIONING_BROADCAST;
};

// Built in topological order, every node but the first with at least one
// parent (so the DAG is weakly connected), then listed in a shuffled order.
inline LabelledGraph RandomDag(std::mt19937_64& rng,
                               const RandomDagOptions& options = {}) {
  const int n =
      std::uniform_int_distribution<int>(options.min_nodes, options.max_nodes)(rng);
  std::uniform_int_distribution<int> kind(1, options.num_kinds);
  std::uniform_int_distribution<int> partitioning(1, options.num_partitionings);
  std::bernoulli_distribution extra(options.extra_edge_probability);
  std::vector<int> labels(n);
  for (int& label : labels) label = kind(rng);
  std::vector<LabelledEdge> edges;
  for (int v = 1; v < n; ++v) {
    const int parent = std::uniform_int_distribution<int>(0, v - 1)(rng);
    for (int u = 0; u < v; ++u) {
      if (u == parent || extra(rng)) edges.push_back({u, v, partitioning(rng)});
    }
  }
  // Shuffle the listing order so that tests do not depend on it.
  std::vector<int> perm(n);
  for (int v = 0; v < n; ++v) perm[v] = v;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<int> shuffled(n);
  for (int v = 0; v < n; ++v) shuffled[perm[v]] = labels[v];
  for (LabelledEdge& e : edges) e = {perm[e.from], perm[e.to], e.label};
  return LabelledGraph::Create(std::move(shuffled), std::move(edges)).value();
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_SERVER_CORE_TESTING_RANDOM_DAGS_H_
