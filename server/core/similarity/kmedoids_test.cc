#include "server/core/similarity/kmedoids.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/similarity/ged_distance_matrix.h"
#include "server/core/similarity/labelled_graph.h"
#include "server/core/testing/random_dags.h"

namespace streamtune {
namespace {

using ::testing::Each;
using ::testing::Ge;

// |x - y| between points on a line.
DistanceMatrix Line(const std::vector<double>& xs) {
  DistanceMatrix d(static_cast<int>(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    for (size_t j = i + 1; j < xs.size(); ++j) d.set(i, j, std::abs(xs[i] - xs[j]));
  }
  return d;
}

// The same points with each value stored once, as RepeatedPoints.
RepeatedPoints LineWithRepeats(const std::vector<double>& xs) {
  std::vector<double> values;
  RepeatedPoints points;
  for (double x : xs) {
    const auto it = std::find(values.begin(), values.end(), x);
    points.representative.push_back(static_cast<int>(it - values.begin()));
    if (it == values.end()) values.push_back(x);
  }
  points.distances = Line(values);
  return points;
}

// A history's worth of DAGs: random ones, about a third of them copies.
std::vector<LabelledGraph> DagsWithRepeats(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<LabelledGraph> graphs;
  while (static_cast<int>(graphs.size()) < n) {
    if (graphs.size() >= 5 && std::bernoulli_distribution(1.0 / 3)(rng)) {
      graphs.push_back(
          graphs[std::uniform_int_distribution<size_t>(0, graphs.size() - 1)(rng)]);
    } else {
      graphs.push_back(testing::RandomDag(rng, {3, 8}));
    }
  }
  return graphs;
}

void ExpectSameClustering(const absl::StatusOr<Clustering>& a,
                          const absl::StatusOr<Clustering>& b) {
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->medoids, b->medoids);
  EXPECT_EQ(a->assignment, b->assignment);
  EXPECT_NEAR(a->total_distance, b->total_distance, 1e-9);
  EXPECT_NEAR(a->silhouette, b->silhouette, 1e-9);
}

TEST(KMedoidsDistanceMatrix, StoresASymmetricMatrix) {
  DistanceMatrix d(4);
  d.set(2, 1, 0.5);
  d.set(0, 3, 2);
  EXPECT_EQ(d.at(1, 2), 0.5);
  EXPECT_EQ(d.at(2, 1), 0.5);
  EXPECT_EQ(d.at(3, 0), 2);
  EXPECT_EQ(d.at(3, 3), 0);
  EXPECT_EQ(d.at(1, 3), 0);
  auto ok = DistanceMatrix::FromRows({{0, 1}, {1, 0}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->at(0, 1), 1);
  EXPECT_FALSE(DistanceMatrix::FromRows({{0, 1}, {2, 0}}).ok());
  EXPECT_FALSE(DistanceMatrix::FromRows({{1, 1}, {1, 0}}).ok());
  EXPECT_FALSE(DistanceMatrix::FromRows({{0, -1}, {-1, 0}}).ok());
  EXPECT_FALSE(DistanceMatrix::FromRows({{0, 1}, {1}}).ok());
}

TEST(KMedoids, RecoversThreeObviousClusters) {
  const std::vector<double> xs = {0, 1, 2, 100, 101, 102, 200, 201, 202, 203};
  auto clustering = KMedoids(Line(xs), 3, /*seed=*/42);
  ASSERT_TRUE(clustering.ok()) << clustering.status();
  const std::vector<int>& c = clustering->assignment;
  EXPECT_THAT(clustering->ClusterSizes(), ::testing::UnorderedElementsAre(3, 3, 4));
  for (int i : {1, 2}) EXPECT_EQ(c[i], c[0]);
  for (int i : {4, 5}) EXPECT_EQ(c[i], c[3]);
  for (int i : {7, 8, 9}) EXPECT_EQ(c[i], c[6]);
  EXPECT_NE(c[0], c[3]);
  EXPECT_NE(c[3], c[6]);
  EXPECT_NE(c[0], c[6]);
  EXPECT_EQ(clustering->medoids[c[0]], 1);
  EXPECT_EQ(clustering->medoids[c[3]], 4);
  EXPECT_DOUBLE_EQ(clustering->total_distance, 2 + 2 + 4);
  EXPECT_GT(clustering->silhouette, 0.9);
}

TEST(KMedoids, IsDeterministicAndValidatesK) {
  std::mt19937_64 rng(1);
  std::vector<double> xs(60);
  for (double& x : xs) x = std::uniform_int_distribution<int>(0, 9)(rng);  // Ties.
  const DistanceMatrix d = Line(xs);
  auto first = KMedoids(d, 4, 7), second = KMedoids(d, 4, 7);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->medoids, second->medoids);
  EXPECT_EQ(first->assignment, second->assignment);
  EXPECT_EQ(KMedoids(d, 0, 7).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KMedoids(d, 61, 7).status().code(), absl::StatusCode::kInvalidArgument);
  auto all = KMedoids(Line({1, 5, 9}), 3, 7);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total_distance, 0);
}

TEST(KMedoids, NoClusterIsEmptyWithIdenticalPoints) {
  auto clustering = KMedoids(Line({3, 3, 3, 3, 3}), 3, 5);
  ASSERT_TRUE(clustering.ok()) << clustering.status();
  EXPECT_THAT(clustering->ClusterSizes(), Each(Ge(1)));
  EXPECT_EQ(clustering->total_distance, 0);
}

// Sum over points of the distance to the nearest of `medoids`.
double TotalDistance(const DistanceMatrix& d, const std::vector<int>& medoids) {
  double total = 0;
  for (int o = 0; o < d.size(); ++o) {
    double nearest = INFINITY;
    for (int m : medoids) nearest = std::min(nearest, d.at(o, m));
    total += nearest;
  }
  return total;
}

TEST(KMedoids, EndsWhereNoSingleSwapHelps) {
  // PAM's guarantee (a local optimum), checked by trying every exchange of a
  // medoid with a non-medoid directly, as PAM's original SWAP would.
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 30; ++trial) {
    const int n = 20;
    DistanceMatrix d(n);
    std::vector<std::pair<double, double>> points(n);
    for (auto& [x, y] : points) {
      x = std::uniform_real_distribution<double>(0, 10)(rng);
      y = std::uniform_real_distribution<double>(0, 10)(rng);
    }
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        d.set(i, j,
              std::hypot(points[i].first - points[j].first,
                         points[i].second - points[j].second));
      }
    }
    const int k = 1 + trial % 4;
    auto clustering = KMedoids(d, k, trial);
    ASSERT_TRUE(clustering.ok()) << clustering.status();
    const double total = TotalDistance(d, clustering->medoids);
    EXPECT_NEAR(clustering->total_distance, total, 1e-9);
    for (int s = 0; s < k; ++s) {
      for (int c = 0; c < n; ++c) {
        std::vector<int> swapped = clustering->medoids;
        swapped[s] = c;
        EXPECT_GE(TotalDistance(d, swapped), total - 1e-9)
            << "trial " << trial << ": swapping slot " << s << " for " << c;
      }
    }
  }
}

TEST(Silhouette, MatchesHandComputedValues) {
  // 0 and 1 together, 10 alone: s(0) = (10 - 1)/10, s(1) = (9 - 1)/9, s(10) = 0.
  auto s = MeanSilhouette(Line({0, 1, 10}), {0, 0, 1});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_NEAR(*s, (0.9 + 8.0 / 9) / 3, 1e-12);
  // {0, 2} and {3, 5}: s = 0.5, 0, 0, 0.5 (a = 2; b = 4, 2, 2, 4).
  EXPECT_NEAR(MeanSilhouette(Line({0, 2, 3, 5}), {0, 0, 1, 1}).value(), 0.25, 1e-12);
  // A bad split scores negative: {0, 5} and {1, 6}.
  EXPECT_LT(MeanSilhouette(Line({0, 5, 1, 6}), {0, 0, 1, 1}).value(), 0);
  // Cluster ids need not be contiguous.
  EXPECT_NEAR(MeanSilhouette(Line({0, 2, 3, 5}), {3, 3, 1, 1}).value(), 0.25, 1e-12);
}

TEST(Silhouette, IsZeroForOneClusterAndValidatesInput) {
  EXPECT_EQ(MeanSilhouette(Line({0, 1, 2}), {0, 0, 0}).value(), 0);
  EXPECT_EQ(MeanSilhouette(Line({0, 1, 2}), {0, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MeanSilhouette(Line({0, 1, 2}), {0, 3, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ChooseClustering, PicksKBySilhouette) {
  const std::vector<double> xs = {0, 1, 2, 100, 101, 102, 200, 201, 202, 203};
  auto clustering = ChooseClustering(Line(xs), 2, 6, 1, 3);
  ASSERT_TRUE(clustering.ok()) << clustering.status();
  EXPECT_EQ(clustering->k(), 3);
}

TEST(ChooseClustering, RespectsTheMinimumClusterSize) {
  // Two groups of five and a far outlier: alone, the outlier gives the best
  // silhouette (k = 3), but a cluster of one is below the minimum.
  const std::vector<double> xs = {0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 300};
  auto free = ChooseClustering(Line(xs), 2, 5, 1, 3);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->k(), 3);
  auto sized = ChooseClustering(Line(xs), 2, 5, 2, 3);
  ASSERT_TRUE(sized.ok()) << sized.status();
  EXPECT_EQ(sized->k(), 2);
  EXPECT_THAT(sized->ClusterSizes(), Each(Ge(2)));
  // No k qualifies: one cluster, the point with the least total distance.
  auto single = ChooseClustering(Line(xs), 2, 5, 6, 3);
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(single->k(), 1);
  EXPECT_THAT(single->assignment, Each(0));
  EXPECT_EQ(single->silhouette, 0);
  EXPECT_EQ(single->medoids[0], 5);
}

TEST(ChooseClustering, ValidatesArguments) {
  const DistanceMatrix d = Line({0, 1, 2});
  EXPECT_EQ(ChooseClustering(d, 0, 3, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseClustering(d, 3, 2, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseClustering(d, 2, 3, 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseClustering(DistanceMatrix(0), 2, 3, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // k_max = 1 asks for the single cluster.
  auto one = ChooseClustering(d, 1, 1, 1, 0);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->k(), 1);
  // k above the number of points is skipped, not an error.
  auto small = ChooseClustering(d, 2, 8, 1, 0);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_LE(small->k(), 3);
}

TEST(KMedoidsRepeatedPoints, SameClusteringAsEveryPointOnALine) {
  // Few integer positions: many exact ties (the hard case for breaking them
  // alike) and, for large k, more medoids than distinct points.
  std::mt19937_64 rng(21);
  std::vector<double> xs;
  for (int i = 0; i < 60; ++i) {
    xs.push_back(std::uniform_int_distribution<int>(0, 12)(rng));
  }
  const DistanceMatrix every = Line(xs);
  const RepeatedPoints repeated = LineWithRepeats(xs);
  ASSERT_EQ(repeated.distances.size(), 13);
  for (uint64_t seed = 0; seed < 8; ++seed) {
    for (int k = 1; k <= 16; ++k) {
      ExpectSameClustering(KMedoids(every, k, seed), KMedoids(repeated, k, seed));
    }
    ExpectSameClustering(ChooseClustering(every, 2, 8, 3, seed),
                         ChooseClustering(repeated, 2, 8, 3, seed));
  }
}

TEST(KMedoidsRepeatedPoints, SameClusteringAsEveryPointOfDagsWithRepeats) {
  const std::vector<LabelledGraph> graphs = DagsWithRepeats(150, 22);
  auto every = BuildGedDistanceMatrix(graphs);
  auto repeated = BuildDistinctGedDistances(graphs);
  ASSERT_TRUE(every.ok()) << every.status();
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  ASSERT_LT(repeated->distances.size(), 120);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    for (int k = 1; k <= 6; ++k) {
      ExpectSameClustering(KMedoids(*every, k, seed), KMedoids(*repeated, k, seed));
    }
    ExpectSameClustering(ChooseClustering(*every, 2, 8, 5, seed),
                         ChooseClustering(*repeated, 2, 8, 5, seed));
  }
}

TEST(KMedoidsRepeatedPoints, RejectsARepresentativeOutOfRange) {
  RepeatedPoints points = LineWithRepeats({1, 2, 2});
  points.representative[1] = 2;
  EXPECT_EQ(KMedoids(points, 1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  points.representative[1] = -1;
  EXPECT_EQ(ChooseClustering(points, 2, 3, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ChooseClustering, ThreadsGiveTheSameClustering) {
  const std::vector<LabelledGraph> graphs = DagsWithRepeats(120, 23);
  auto repeated = BuildDistinctGedDistances(graphs);
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  const auto serial = ChooseClustering(*repeated, 2, 8, 3, 5);
  for (int threads : {2, 3, 8}) {
    ExpectSameClustering(serial, ChooseClustering(*repeated, 2, 8, 3, 5, threads));
  }
  EXPECT_EQ(ChooseClustering(*repeated, 2, 8, 3, 5, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ChooseClustering, SeparatesThreeFamiliesOfDags) {
  // Three job shapes (chains of different kinds and partitionings), each
  // perturbed by one relabelled node: GED clustering finds the families.
  std::mt19937_64 rng(11);
  struct Family {
    std::vector<int> kinds;
    int partitioning;
  };
  const std::vector<Family> families = {{{1, 2, 2, 2, 9}, v1::PARTITIONING_FORWARD},
                                        {{1, 3, 5, 5, 6, 6, 9}, v1::PARTITIONING_HASH},
                                        {{1, 1, 7, 8}, v1::PARTITIONING_BROADCAST}};
  std::vector<LabelledGraph> graphs;
  std::vector<int> family_of;
  for (int copy = 0; copy < 8; ++copy) {
    for (int f = 0; f < 3; ++f) {
      std::vector<int> kinds = families[f].kinds;
      const int n = static_cast<int>(kinds.size());
      kinds[std::uniform_int_distribution<int>(0, n - 1)(rng)] =
          std::uniform_int_distribution<int>(1, 9)(rng);
      std::vector<LabelledEdge> edges;
      for (int v = 1; v < n; ++v) edges.push_back({v - 1, v, families[f].partitioning});
      graphs.push_back(LabelledGraph::Create(kinds, edges).value());
      family_of.push_back(f);
    }
  }
  auto distances = BuildGedDistanceMatrix(graphs);
  ASSERT_TRUE(distances.ok()) << distances.status();
  auto clustering = ChooseClustering(*distances, 2, 6, 3, 1);
  ASSERT_TRUE(clustering.ok()) << clustering.status();
  ASSERT_EQ(clustering->k(), 3);
  for (size_t i = 0; i < graphs.size(); ++i) {
    for (size_t j = 0; j < graphs.size(); ++j) {
      EXPECT_EQ(clustering->assignment[i] == clustering->assignment[j],
                family_of[i] == family_of[j])
          << i << ", " << j;
    }
  }
}

}  // namespace
}  // namespace streamtune
