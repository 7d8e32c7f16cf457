// The learned bottleneck model as the tuning core sees it, free of LibTorch:
// graph features in, per-operator bottleneck probabilities out. The LibTorch
// implementation (GNN encoder + monotone head) lives in server/model/.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_BOTTLENECK_MODEL_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_BOTTLENECK_MODEL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace streamtune {

// Node features of one snapshot's DAG (docs/algorithm.md §2.4), raw (not
// normalised: a model normalises with the statistics it was trained with).
struct GraphFeatures {
  int num_nodes = 0;
  // num_nodes × kNodeFeatureDim values, row-major, see features.h for the
  // meaning of each column.
  std::vector<float> node_features;
  // Directed edges (producer, consumer) by node index.
  std::vector<std::pair<int, int>> edges;
};

// The probabilities for one snapshot: its embeddings are computed once, then
// queried at any parallelism. Immutable and thread-safe.
class BottleneckPredictor {
 public:
  virtual ~BottleneckPredictor() = default;
  // P(operator `node` is a bottleneck at `parallelism`). Never rises when
  // `parallelism` rises (the monotone head guarantees it by construction).
  virtual double Probability(int node, int parallelism) const = 0;
};

// A trained model (one version). Immutable and thread-safe.
class BottleneckModel {
 public:
  virtual ~BottleneckModel() = default;
  // Encodes the graph. INVALID_ARGUMENT when the features do not fit the
  // model (wrong width, bad edge index).
  virtual absl::StatusOr<std::unique_ptr<BottleneckPredictor>> Prepare(
      const GraphFeatures& graph) const = 0;
};

// One supervised example (docs/algorithm.md §2.6): features of snapshot A, the
// parallelism of snapshot B per node, and B's label per node (1 bottleneck,
// 0 healthy, -1 unlabelled: ignored by the loss).
struct TrainingSample {
  GraphFeatures graph;
  std::vector<int> query_parallelism;
  std::vector<int> labels;
  std::string job_id;  // For the held-out split by job.
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_BOTTLENECK_MODEL_H_
