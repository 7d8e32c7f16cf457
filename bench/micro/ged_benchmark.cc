// Graph edit distance and DAG clustering costs (docs/algorithm.md
// §2.2-2.3). BM_GedLowerBound is the baseline: report the others as
// multiples of it. Every input comes from a fixed seed.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/core/similarity/ged.h"
#include "server/core/similarity/ged_distance_matrix.h"
#include "server/core/similarity/kmedoids.h"
#include "server/core/testing/random_dags.h"

namespace streamtune {
namespace {

using ::streamtune::testing::RandomDag;
using ::streamtune::testing::RandomDagOptions;

std::pair<LabelledGraph, LabelledGraph> TwoDags(int nodes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const RandomDagOptions options{nodes, nodes};
  LabelledGraph a = RandomDag(rng, options);
  LabelledGraph b = RandomDag(rng, options);
  return {std::move(a), std::move(b)};
}

void BM_GedLowerBound(benchmark::State& state) {
  const auto [a, b] = TwoDags(static_cast<int>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(GedLowerBound(a, b));
}
BENCHMARK(BM_GedLowerBound)->Arg(8)->Arg(20);

void BM_GedApproximate(benchmark::State& state) {
  const auto [a, b] = TwoDags(static_cast<int>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(GedApproximate(a, b));
  state.counters["ged"] = GedApproximate(a, b);
}
BENCHMARK(BM_GedApproximate)->Arg(8)->Arg(20);

void BM_GedExact(benchmark::State& state) {
  const auto [a, b] = TwoDags(static_cast<int>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(GedExact(a, b));
  state.counters["ged"] = GedExact(a, b).value();
  state.counters["approx"] = GedApproximate(a, b);
  state.counters["lower"] = GedLowerBound(a, b);
}
BENCHMARK(BM_GedExact)->Arg(8);

// The pre-training step: 1000 DAGs of 3-12 nodes (a third of them repeats of
// earlier ones, as a history of repeated jobs has), all-pairs normalised GED
// among the distinct DAGs, then k-medoids (each distinct DAG weighted by its
// copies) with k chosen in [2, 8] by silhouette, on every core.
void BM_ClusterDags(benchmark::State& state) {
  std::mt19937_64 rng(2025);
  std::vector<LabelledGraph> graphs;
  while (graphs.size() < 1000) {
    if (graphs.size() >= 10 && std::bernoulli_distribution(1.0 / 3)(rng)) {
      graphs.push_back(
          graphs[std::uniform_int_distribution<size_t>(0, graphs.size() - 1)(rng)]);
    } else {
      graphs.push_back(RandomDag(rng, {3, 12}));
    }
  }
  using Clock = std::chrono::steady_clock;
  GedDistanceStats stats;
  Clustering clustering;
  double matrix_s = 0, cluster_s = 0;
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  for (auto _ : state) {
    GedDistanceOptions options;
    options.stats = &stats;
    options.num_threads = threads;
    const Clock::time_point start = Clock::now();
    const RepeatedPoints points = BuildDistinctGedDistances(graphs, options).value();
    const Clock::time_point built = Clock::now();
    clustering = ChooseClustering(points, 2, 8, /*min_cluster_size=*/20,
                                  /*seed=*/1, threads)
                     .value();
    benchmark::DoNotOptimize(clustering);
    matrix_s += std::chrono::duration<double>(built - start).count();
    cluster_s += std::chrono::duration<double>(Clock::now() - built).count();
  }
  state.counters["matrix_s"] = matrix_s / state.iterations();
  state.counters["cluster_s"] = cluster_s / state.iterations();
  state.counters["distinct"] = stats.distinct_graphs;
  state.counters["pairs"] = stats.computed_pairs;
  state.counters["k"] = clustering.k();
  state.counters["silhouette"] = clustering.silhouette;
  state.counters["total_distance"] = clustering.total_distance;
  state.counters["threads"] = threads;
}
BENCHMARK(BM_ClusterDags)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace streamtune

BENCHMARK_MAIN();
