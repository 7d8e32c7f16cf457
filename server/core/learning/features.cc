#include "server/core/learning/features.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "server/core/graph/rate_estimation.h"

namespace streamtune {

GraphFeatures ExtractFeatures(const JobGraph& graph, const v1::Snapshot* previous,
                              double catch_up_s) {
  const int n = graph.size();
  RateEstimationOptions rate_options;
  rate_options.catch_up_s = catch_up_s;
  const std::vector<double> target = TargetInputRates(graph, previous, rate_options);

  std::vector<int> depth(n, 0);
  for (int v : graph.topological_order()) {
    for (int e : graph.input_edges(v)) {
      depth[v] = std::max(depth[v], depth[graph.producer(e)] + 1);
    }
  }

  GraphFeatures features;
  features.num_nodes = n;
  features.node_features.assign(static_cast<size_t>(n) * kNodeFeatureDim, 0.0f);
  for (int v = 0; v < n; ++v) {
    const v1::Operator& op = graph.op(v);
    float* row = &features.node_features[static_cast<size_t>(v) * kNodeFeatureDim];
    const int kind = op.kind();
    row[kind >= 0 && kind < kKindFeatureColumns ? kind : 0] = 1.0f;
    row[kHashInputColumn] = graph.has_hash_input(v) ? 1.0f : 0.0f;
    row[kDepthColumn] = static_cast<float>(depth[v]);
    row[kInDegreeColumn] = static_cast<float>(graph.input_edges(v).size());
    row[kOutDegreeColumn] = static_cast<float>(graph.output_edges(v).size());
    row[kLogTargetRateColumn] =
        static_cast<float>(std::log1p(std::max(0.0, target[v])));
    row[kSelectivityColumn] = static_cast<float>(Selectivity(op));
    const int parallelism = std::max(1, op.parallelism());
    const std::optional<double> rate = TrueProcessingRate(op);
    if (rate.has_value()) {
      row[kLogInstanceRateColumn] = static_cast<float>(std::log1p(*rate / parallelism));
    } else {
      row[kInstanceRateMissingColumn] = 1.0f;
    }
    row[kLogParallelismColumn] = static_cast<float>(std::log(parallelism));
  }
  features.edges.reserve(graph.snapshot().edges_size());
  for (int e = 0; e < graph.snapshot().edges_size(); ++e) {
    features.edges.emplace_back(graph.producer(e), graph.consumer(e));
  }
  return features;
}

}  // namespace streamtune
