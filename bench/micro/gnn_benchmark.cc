// Cost of the learned bottleneck model on one Recommend call's graph: a
// random 50-operator DAG. BM_ExtractFeatures (building the model's input)
// is the baseline: report the others as multiples of it. Before the
// benchmarks run, main() measures the resident memory of 100 deserialised
// models held at once (the per-job models a server replica may cache).
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "server/core/graph/job_graph.h"
#include "server/core/learning/features.h"
#include "server/core/testing/test_snapshots.h"
#include "server/model/gnn_model.h"
#include "server/model/model_codec.h"

namespace streamtune {
namespace {

using ::streamtune::testing::AddEdge;
using ::streamtune::testing::AddOperator;
using ::streamtune::testing::EmptySnapshot;
using ::streamtune::testing::SetLoad;

constexpr int kOperators = 50;

// 3 sources, then operators reading from one or two random earlier ones;
// operators nobody reads from become sinks. Rates and busy times are
// plausible, not consistent: only the cost is measured here.
v1::Snapshot RandomDagSnapshot(int operators, uint64_t seed) {
  std::mt19937_64 rng(seed);
  v1::Snapshot s = EmptySnapshot();
  std::vector<bool> has_output(operators, false);
  const v1::OperatorKind middle[] = {v1::OPERATOR_KIND_MAP,
                                     v1::OPERATOR_KIND_FILTER,
                                     v1::OPERATOR_KIND_FLAT_MAP,
                                     v1::OPERATOR_KIND_KEYED_AGGREGATE,
                                     v1::OPERATOR_KIND_WINDOW_AGGREGATE,
                                     v1::OPERATOR_KIND_JOIN,
                                     v1::OPERATOR_KIND_PROCESS};
  std::vector<std::pair<int, int>> edges;
  for (int v = 3; v < operators; ++v) {
    const int inputs = 1 + static_cast<int>(rng() % 2);
    for (int i = 0; i < inputs; ++i) {
      const int u = static_cast<int>(rng() % v);
      if (i == 1 && u == edges.back().first) continue;
      edges.emplace_back(u, v);
      has_output[u] = true;
    }
  }
  for (int v = 0; v < operators; ++v) {
    const v1::OperatorKind kind = v < 3            ? v1::OPERATOR_KIND_SOURCE
                                  : !has_output[v] ? v1::OPERATOR_KIND_SINK
                                                   : middle[rng() % 7];
    v1::Operator* op = AddOperator(&s, "op" + std::to_string(v), kind,
                                   1 + static_cast<int>(rng() % 16));
    const double in = 1000.0 + static_cast<double>(rng() % 50000);
    SetLoad(op, in, kind == v1::OPERATOR_KIND_SINK ? 0 : in * 0.8,
            static_cast<double>(50 + rng() % 950));
    if (kind == v1::OPERATOR_KIND_SOURCE) {
      op->mutable_metrics()->set_pending_records(static_cast<double>(rng() % 100000));
    }
  }
  for (const auto& [u, v] : edges) {
    AddEdge(&s, "op" + std::to_string(u), "op" + std::to_string(v),
            rng() % 3 == 0 ? v1::PARTITIONING_HASH : v1::PARTITIONING_REBALANCE);
  }
  return s;
}

const v1::Snapshot& Dag() {
  static const v1::Snapshot* dag = new v1::Snapshot(RandomDagSnapshot(kOperators, 50));
  return *dag;
}

// Default architecture (hidden 64, 3 layers), seeded untrained weights: the
// cost does not depend on the values.
const TorchBottleneckModel& Model() {
  static const TorchBottleneckModel* model =
      TorchBottleneckModel::Create(GnnConfig{}, 1).value().release();
  return *model;
}

void BM_ExtractFeatures(benchmark::State& state) {
  const JobGraph graph(Dag());
  for (auto _ : state) {
    benchmark::DoNotOptimize(ExtractFeatures(graph, nullptr, 300));
  }
}
BENCHMARK(BM_ExtractFeatures);

void BM_GnnPrepare(benchmark::State& state) {
  const JobGraph graph(Dag());
  const GraphFeatures features = ExtractFeatures(graph, nullptr, 300);
  for (auto _ : state) {
    benchmark::DoNotOptimize(Model().Prepare(features).value());
  }
  state.counters["nodes"] = features.num_nodes;
  state.counters["edges"] = static_cast<double>(features.edges.size());
}
BENCHMARK(BM_GnnPrepare);

void BM_GnnProbability(benchmark::State& state) {
  const JobGraph graph(Dag());
  const auto predictor = Model().Prepare(ExtractFeatures(graph, nullptr, 300)).value();
  int node = 0;
  int p = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(predictor->Probability(node, p));
    node = node + 1 == kOperators ? 0 : node + 1;
    p = p == 128 ? 1 : p + 1;
  }
}
BENCHMARK(BM_GnnProbability);

// docs/algorithm.md §3.5 for every operator: the smallest p in [1, 128] with
// P < 0.3, by binary search (valid because P never rises with p).
void BM_GnnSearchAllOperators(benchmark::State& state) {
  const JobGraph graph(Dag());
  const auto predictor = Model().Prepare(ExtractFeatures(graph, nullptr, 300)).value();
  for (auto _ : state) {
    int total = 0;
    for (int v = 0; v < kOperators; ++v) {
      int lo = 1, hi = 128;
      while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (predictor->Probability(v, mid) < 0.3)
          hi = mid;
        else
          lo = mid + 1;
      }
      total += lo;
    }
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK(BM_GnnSearchAllOperators);

void BM_DeserializeModel(benchmark::State& state) {
  const std::string bytes = SerializeModel(Model()).value();
  for (auto _ : state) benchmark::DoNotOptimize(DeserializeModel(bytes).value());
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DeserializeModel);

// VmRSS of this process in KiB, or -1.
long ResidentKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    long kib;
    if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &kib) == 1) return kib;
  }
  return -1;
}

// Loads 100 copies of one model and reports the growth of resident memory.
void MeasureHundredModels() {
  const std::string bytes = SerializeModel(Model()).value();
  // One load first, so LibTorch's one-time initialisation is not counted.
  benchmark::DoNotOptimize(DeserializeModel(bytes).value());
  const long before = ResidentKib();
  std::vector<std::unique_ptr<TorchBottleneckModel>> models;
  for (int i = 0; i < 100; ++i) models.push_back(DeserializeModel(bytes).value());
  const long after = ResidentKib();
  const std::string line = absl::StrFormat(
      "100 models: RSS %ld -> %ld KiB (+%.1f MiB, %.1f KiB per model; "
      "%d parameters, %d serialised bytes each)",
      before, after, (after - before) / 1024.0, (after - before) / 100.0,
      static_cast<int>(Model().num_parameters()), static_cast<int>(bytes.size()));
  std::printf("%s\n", line.c_str());
  benchmark::AddCustomContext("hundred_models_rss_kib",
                              absl::StrFormat("%ld", after - before));
}

}  // namespace
}  // namespace streamtune

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  streamtune::MeasureHundredModels();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
