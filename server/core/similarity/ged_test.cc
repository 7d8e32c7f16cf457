#include "server/core/similarity/ged.h"

#include <cmath>
#include <functional>
#include <iostream>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/similarity/ged_distance_matrix.h"
#include "server/core/similarity/labelled_graph.h"
#include "server/core/testing/random_dags.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::streamtune::testing::AddEdge;
using ::streamtune::testing::AddOperator;
using ::streamtune::testing::EmptySnapshot;
using ::streamtune::testing::RandomDag;
using ::streamtune::testing::RandomDagOptions;

constexpr int kS = v1::OPERATOR_KIND_SOURCE;
constexpr int kM = v1::OPERATOR_KIND_MAP;
constexpr int kF = v1::OPERATOR_KIND_FILTER;
constexpr int kK = v1::OPERATOR_KIND_SINK;
constexpr int kFwd = v1::PARTITIONING_FORWARD;
constexpr int kHash = v1::PARTITIONING_HASH;

LabelledGraph Graph(std::vector<int> labels, std::vector<LabelledEdge> edges) {
  auto graph = LabelledGraph::Create(std::move(labels), std::move(edges));
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *std::move(graph) : LabelledGraph();
}

// The trivially correct model: the cheapest of every node mapping.
int BruteForceGed(const LabelledGraph& a, const LabelledGraph& b) {
  std::vector<int> mapping(a.num_nodes(), -1);
  std::vector<char> used(b.num_nodes(), 0);
  int best = a.num_nodes() + a.num_edges() + b.num_nodes() + b.num_edges();
  std::function<void(int)> extend = [&](int u) {
    if (u == a.num_nodes()) {
      best = std::min(best, EditCostOfMapping(a, b, mapping).value());
      return;
    }
    for (int x = -1; x < b.num_nodes(); ++x) {
      if (x >= 0 && used[x]) continue;
      if (x >= 0) used[x] = 1;
      mapping[u] = x;
      extend(u + 1);
      if (x >= 0) used[x] = 0;
    }
  };
  extend(0);
  return best;
}

TEST(GedLabelledGraph, CreateRejectsMalformedGraphs) {
  EXPECT_FALSE(LabelledGraph::Create({1, 2}, {{0, 2, 1}}).ok());  // No node 2.
  EXPECT_FALSE(LabelledGraph::Create({1, 2}, {{0, 0, 1}}).ok());  // Self-loop.
  EXPECT_FALSE(LabelledGraph::Create({1, 2}, {{0, 1, 1}, {0, 1, 2}}).ok());
  EXPECT_FALSE(LabelledGraph::Create({1, -2}, {}).ok());
  EXPECT_FALSE(LabelledGraph::Create({1, 2}, {{0, 1, -1}}).ok());
  // Acyclicity is not required (GED does not need it).
  EXPECT_TRUE(LabelledGraph::Create({1, 2}, {{0, 1, 1}, {1, 0, 1}}).ok());
  auto ok = LabelledGraph::Create({1, 2, 3}, {{0, 1, 4}, {0, 2, 3}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->EdgeLabel(0, 2), 3);
  EXPECT_EQ(ok->EdgeLabel(2, 0), LabelledGraph::kNoEdge);
}

TEST(GedLabelledGraph, FromSnapshotUsesKindsAndPartitionings) {
  v1::Snapshot s = EmptySnapshot();
  AddOperator(&s, "src", v1::OPERATOR_KIND_SOURCE, 1);
  AddOperator(&s, "agg", v1::OPERATOR_KIND_KEYED_AGGREGATE, 2);
  AddOperator(&s, "out", v1::OPERATOR_KIND_SINK, 1);
  AddEdge(&s, "src", "agg", v1::PARTITIONING_HASH);
  AddEdge(&s, "agg", "out", v1::PARTITIONING_UNSPECIFIED);
  const LabelledGraph graph = LabelledGraphFromSnapshot(s);
  EXPECT_THAT(graph.node_labels(),
              ::testing::ElementsAre(kS, v1::OPERATOR_KIND_KEYED_AGGREGATE, kK));
  EXPECT_EQ(graph.num_edges(), 2);
  EXPECT_EQ(graph.EdgeLabel(0, 1), kHash);
  EXPECT_EQ(graph.EdgeLabel(1, 2), v1::PARTITIONING_REBALANCE);
}

TEST(GedLabelledGraph, FromSnapshotLeavesOutInvalidEdges) {
  v1::Snapshot s = EmptySnapshot();
  AddOperator(&s, "src", v1::OPERATOR_KIND_SOURCE, 1);
  AddOperator(&s, "out", v1::OPERATOR_KIND_SINK, 1);
  AddEdge(&s, "src", "out", v1::PARTITIONING_FORWARD);
  AddEdge(&s, "out", "nowhere");
  AddEdge(&s, "src", "src");
  AddEdge(&s, "src", "out", v1::PARTITIONING_HASH);  // Repeated pair.
  const LabelledGraph graph = LabelledGraphFromSnapshot(s);
  EXPECT_EQ(graph.num_nodes(), 2);
  ASSERT_EQ(graph.num_edges(), 1);
  EXPECT_EQ(graph.EdgeLabel(0, 1), kFwd);
}

TEST(GedLabelledGraph, CanonicalFormIgnoresListingOrder) {
  // The same DAG listed in two orders, and a relabelled variant.
  const LabelledGraph a = Graph(
      {kS, kM, kF, kK}, {{0, 1, kFwd}, {0, 2, kHash}, {1, 3, kFwd}, {2, 3, kFwd}});
  const LabelledGraph b = Graph(
      {kK, kF, kS, kM}, {{2, 3, kFwd}, {2, 1, kHash}, {3, 0, kFwd}, {1, 0, kFwd}});
  const LabelledGraph c = Graph(
      {kK, kF, kS, kM}, {{2, 3, kHash}, {2, 1, kHash}, {3, 0, kFwd}, {1, 0, kFwd}});
  EXPECT_EQ(CanonicalForm(a), CanonicalForm(b));
  EXPECT_EQ(StructureHash(a), StructureHash(b));
  EXPECT_NE(CanonicalForm(a), CanonicalForm(c));
  EXPECT_NE(StructureHash(a), StructureHash(c));
}

TEST(GedHandComputed, OneNodeRelabelledCostsOne) {
  const LabelledGraph a = Graph({kS, kM, kK}, {{0, 1, kFwd}, {1, 2, kFwd}});
  const LabelledGraph b = Graph({kS, kF, kK}, {{0, 1, kFwd}, {1, 2, kFwd}});
  EXPECT_EQ(GedExact(a, b).value(), 1);
  EXPECT_EQ(GedApproximate(a, b), 1);
  EXPECT_EQ(GedLowerBound(a, b), 1);
  EXPECT_DOUBLE_EQ(NormalisedGed(a, b), 1.0 / 10);
}

TEST(GedHandComputed, OneEdgeAddedCostsOne) {
  const LabelledGraph a = Graph({kS, kM, kK}, {{0, 1, kFwd}, {1, 2, kFwd}});
  const LabelledGraph b =
      Graph({kS, kM, kK}, {{0, 1, kFwd}, {1, 2, kFwd}, {0, 2, kHash}});
  EXPECT_EQ(GedExact(a, b).value(), 1);
  EXPECT_EQ(GedApproximate(a, b), 1);
  EXPECT_DOUBLE_EQ(NormalisedGed(a, b), 1.0 / 11);
}

TEST(GedHandComputed, OneEdgeRelabelledCostsOne) {
  const LabelledGraph a = Graph({kS, kM, kK}, {{0, 1, kFwd}, {1, 2, kFwd}});
  const LabelledGraph b = Graph({kS, kM, kK}, {{0, 1, kHash}, {1, 2, kFwd}});
  EXPECT_EQ(GedExact(a, b).value(), 1);
  EXPECT_EQ(GedApproximate(a, b), 1);
}

TEST(GedHandComputed, OneNodeWithItsEdgeDeletedCostsTwo) {
  const LabelledGraph a = Graph({kS, kM, kK}, {{0, 1, kFwd}, {1, 2, kFwd}});
  const LabelledGraph b = Graph({kS, kM}, {{0, 1, kFwd}});
  EXPECT_EQ(GedExact(a, b).value(), 2);
  EXPECT_EQ(GedExact(b, a).value(), 2);
  EXPECT_EQ(GedApproximate(a, b), 2);
  EXPECT_DOUBLE_EQ(NormalisedGed(a, b), 2.0 / 8);
}

TEST(GedHandComputed, MappingCostFollowsEdges) {
  // A fork S->M (hash), S->F (forward) onto itself: the identity costs
  // nothing; exchanging M and F costs 2 node labels + 2 edge labels.
  const LabelledGraph a = Graph({kS, kM, kF}, {{0, 1, kHash}, {0, 2, kFwd}});
  EXPECT_EQ(EditCostOfMapping(a, a, {0, 1, 2}).value(), 0);
  EXPECT_EQ(EditCostOfMapping(a, a, {0, 2, 1}).value(), 4);
  // Deleting everything and inserting everything: 2 · (3 nodes + 2 edges).
  const LabelledGraph empty;
  EXPECT_EQ(EditCostOfMapping(a, a, {-1, -1, -1}).value(), 10);
  EXPECT_EQ(GedExact(a, empty).value(), 5);
  EXPECT_EQ(GedApproximate(empty, a), 5);
  EXPECT_DOUBLE_EQ(NormalisedGed(empty, empty), 0);
  EXPECT_FALSE(EditCostOfMapping(a, a, {0, 0, 1}).ok());
  EXPECT_FALSE(EditCostOfMapping(a, a, {0, 1}).ok());
  EXPECT_FALSE(EditCostOfMapping(a, a, {0, 1, 3}).ok());
}

TEST(GedExactLimits, RejectsGraphsAboveTenNodes) {
  std::mt19937_64 rng(1);
  const LabelledGraph big = RandomDag(rng, {11, 11});
  const LabelledGraph small = RandomDag(rng, {3, 3});
  EXPECT_EQ(GedExact(big, small).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GedExact(small, big).status().code(), absl::StatusCode::kInvalidArgument);
  // NormalisedGed falls back to the upper bound instead.
  EXPECT_DOUBLE_EQ(
      NormalisedGed(big, small),
      static_cast<double>(GedApproximate(big, small)) /
          (big.num_nodes() + big.num_edges() + small.num_nodes() + small.num_edges()));
}

TEST(GedProperties, IdenticalGraphsAreAtZero) {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 50; ++trial) {
    const LabelledGraph g = RandomDag(rng, {1, 10});
    EXPECT_EQ(GedLowerBound(g, g), 0);
    EXPECT_EQ(GedApproximate(g, g), 0);
    EXPECT_EQ(GedExact(g, g).value(), 0);
    EXPECT_EQ(NormalisedGed(g, g), 0);
    const LabelledGraph large = RandomDag(rng, {15, 40, 0.1});
    EXPECT_EQ(GedApproximate(large, large), 0);
  }
}

TEST(GedProperties, IsSymmetric) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 100; ++trial) {
    const LabelledGraph a = RandomDag(rng, {1, 8});
    const LabelledGraph b = RandomDag(rng, {1, 8});
    EXPECT_EQ(GedExact(a, b).value(), GedExact(b, a).value());
    EXPECT_EQ(GedApproximate(a, b), GedApproximate(b, a));
    EXPECT_EQ(GedLowerBound(a, b), GedLowerBound(b, a));
    EXPECT_DOUBLE_EQ(NormalisedGed(a, b), NormalisedGed(b, a));
    const LabelledGraph c = RandomDag(rng, {12, 25});
    const LabelledGraph d = RandomDag(rng, {12, 25});
    EXPECT_EQ(GedApproximate(c, d), GedApproximate(d, c));
  }
}

TEST(GedProperties, ExactMatchesBruteForceOnTinyGraphs) {
  std::mt19937_64 rng(4);
  // Few labels make many mappings tie, the hard case for pruning.
  for (const RandomDagOptions& options :
       {RandomDagOptions{1, 5, 0.3}, RandomDagOptions{1, 5, 0.5, 2, 2}}) {
    for (int trial = 0; trial < 100; ++trial) {
      const LabelledGraph a = RandomDag(rng, options);
      const LabelledGraph b = RandomDag(rng, options);
      EXPECT_EQ(GedExact(a, b).value(), BruteForceGed(a, b)) << "trial " << trial;
    }
  }
}

// Larger graphs, where the search prunes with bounds derived from the
// parent states' assignments; also without a useful upper bound to start.
TEST(GedProperties, ExactMatchesBruteForceOnSmallGraphs) {
  std::mt19937_64 rng(13);
  for (const RandomDagOptions& options :
       {RandomDagOptions{6, 7, 0.3}, RandomDagOptions{6, 7, 0.5, 2, 2}}) {
    for (int trial = 0; trial < 15; ++trial) {
      const LabelledGraph a = RandomDag(rng, options);
      const LabelledGraph b = RandomDag(rng, options);
      const int brute = BruteForceGed(a, b);
      EXPECT_EQ(GedExact(a, b).value(), brute) << "trial " << trial;
      const int no_bound =
          a.num_nodes() + a.num_edges() + b.num_nodes() + b.num_edges() + 1;
      EXPECT_EQ(AStarGed(a, b, no_bound), brute) << "trial " << trial;
    }
  }
}

TEST(GedProperties, LowerBoundBelowExactBelowApproximate) {
  std::mt19937_64 rng(5);
  for (const RandomDagOptions& options :
       {RandomDagOptions{1, 10, 0.2}, RandomDagOptions{3, 10, 0.4, 3, 2}}) {
    for (int trial = 0; trial < 100; ++trial) {
      const LabelledGraph a = RandomDag(rng, options);
      const LabelledGraph b = RandomDag(rng, options);
      const int exact = GedExact(a, b).value();
      EXPECT_LE(GedLowerBound(a, b), exact);
      EXPECT_LE(GedAssignmentLowerBound(a, b), exact);
      EXPECT_EQ(GedAssignmentLowerBound(a, b), GedAssignmentLowerBound(b, a));
      EXPECT_LE(exact, GedApproximate(a, b));
      const double normalised = NormalisedGed(a, b);
      EXPECT_GE(normalised, 0);
      EXPECT_LE(normalised, 1);
    }
  }
}

// GedExact skips A* when a lower bound meets the approximation: the same
// GED as the search run on every pair. Counts how often it is skipped.
TEST(GedProperties, PruningByLowerBoundGivesTheExhaustiveResult) {
  std::mt19937_64 rng(12);
  int skipped = 0, pairs = 0;
  for (const RandomDagOptions& options :
       {RandomDagOptions{1, 9, 0.2}, RandomDagOptions{3, 9, 0.4, 3, 2}}) {
    for (int trial = 0; trial < 150; ++trial, ++pairs) {
      const LabelledGraph a = RandomDag(rng, options);
      const LabelledGraph b = RandomDag(rng, options);
      const int upper = GedApproximate(a, b);
      const int exhaustive = AStarGed(a, b, upper);
      EXPECT_EQ(GedExact(a, b).value(), exhaustive) << "trial " << trial;
      skipped += std::max(GedLowerBound(a, b), GedAssignmentLowerBound(a, b)) >= upper;
    }
  }
  std::cout << "A* skipped by the lower bounds in " << skipped << "/" << pairs
            << " pairs" << std::endl;
  EXPECT_GT(skipped, 0);
}

// Reports how far the bipartite upper bound is from the exact GED (the
// number quoted in the benchmark report).
TEST(GedProperties, ApproximationRatioOnRandomDags) {
  std::mt19937_64 rng(6);
  double ratio_sum = 0, worst = 1;
  int pairs = 0, exact_hits = 0;
  while (pairs < 200) {
    const LabelledGraph a = RandomDag(rng, {3, 8});
    const LabelledGraph b = RandomDag(rng, {3, 8});
    const int exact = GedExact(a, b).value();
    const int approx = GedApproximate(a, b);
    if (exact == 0) continue;  // The ratio is undefined (and approx is 0).
    const double ratio = static_cast<double>(approx) / exact;
    ratio_sum += ratio;
    worst = std::max(worst, ratio);
    exact_hits += approx == exact;
    ++pairs;
  }
  const double mean = ratio_sum / pairs;
  std::cout << "GED approximation ratio approx/exact over " << pairs
            << " random DAG pairs (3-8 nodes): mean " << mean << ", worst " << worst
            << ", exact in " << exact_hits << "/" << pairs << std::endl;
  EXPECT_TRUE(std::isfinite(mean));
  EXPECT_GE(mean, 1);
}

TEST(GedDistanceMatrix, MatchesNormalisedGedAndDeduplicates) {
  std::mt19937_64 rng(7);
  std::vector<LabelledGraph> graphs;
  for (int i = 0; i < 6; ++i) graphs.push_back(RandomDag(rng, {2, 12}));
  graphs.push_back(graphs[0]);
  graphs.push_back(graphs[3]);
  graphs.push_back(graphs[0]);
  GedDistanceStats stats;
  std::vector<std::pair<int64_t, int64_t>> calls;
  GedDistanceOptions options;
  options.stats = &stats;
  options.progress_interval = 1;
  options.progress = [&](int64_t done, int64_t total) {
    calls.emplace_back(done, total);
    return true;
  };
  auto matrix = BuildGedDistanceMatrix(graphs, options);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  EXPECT_EQ(stats.distinct_graphs, 6);
  EXPECT_EQ(stats.computed_pairs, 15);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(int64_t{15}, int64_t{15}));
  ASSERT_EQ(matrix->size(), 9);
  for (int i = 0; i < 9; ++i) {
    for (int j = 0; j < 9; ++j) {
      EXPECT_DOUBLE_EQ(matrix->at(i, j), NormalisedGed(graphs[i], graphs[j]))
          << i << ", " << j;
    }
  }
  EXPECT_EQ(matrix->at(0, 8), 0);
  EXPECT_EQ(matrix->at(3, 7), 0);
}

TEST(GedDistanceMatrix, ThreadsGiveTheSameMatrix) {
  std::mt19937_64 rng(8);
  std::vector<LabelledGraph> graphs;
  for (int i = 0; i < 40; ++i) graphs.push_back(RandomDag(rng, {2, 9}));
  GedDistanceOptions parallel;
  parallel.num_threads = 3;
  auto one = BuildGedDistanceMatrix(graphs);
  auto three = BuildGedDistanceMatrix(graphs, parallel);
  ASSERT_TRUE(one.ok() && three.ok());
  for (int i = 0; i < 40; ++i) {
    for (int j = 0; j < 40; ++j) EXPECT_EQ(one->at(i, j), three->at(i, j));
  }
}

TEST(GedDistanceMatrix, ProgressCanCancel) {
  std::mt19937_64 rng(9);
  std::vector<LabelledGraph> graphs;
  for (int i = 0; i < 30; ++i) graphs.push_back(RandomDag(rng, {2, 9}));
  GedDistanceOptions options;
  options.progress_interval = 1;
  options.progress = [](int64_t done, int64_t total) { return done < 50; };
  EXPECT_EQ(BuildGedDistanceMatrix(graphs, options).status().code(),
            absl::StatusCode::kCancelled);
  options.num_threads = 0;
  EXPECT_EQ(BuildGedDistanceMatrix(graphs, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune
