// INTERNAL to server/model (includes LibTorch; include it only from the few
// .cc files that need tensors: gnn_model.cc, model_codec.cc, trainer.cc).
// The torch module behind TorchBottleneckModel and the batching of graphs.
#ifndef STREAMTUNE_SERVER_MODEL_GNN_NET_H_
#define STREAMTUNE_SERVER_MODEL_GNN_NET_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/model/gnn_model.h"

namespace streamtune {

// Encoder + head. Layer l: h' = ReLU(S_l h_v + I_l mean_{u→v} h_u +
// O_l mean_{v→w} h_w + b_l): separate weights for producers (in-neighbours),
// consumers (out-neighbours) and the node itself. Mean aggregation keeps
// the scale independent of fan-in (the degree itself is a feature).
// Encode may run on many threads at once under InferenceMode / NoGradGuard;
// training mutates the parameters and needs the module to itself.
class GnnNetImpl : public torch::nn::Module {
 public:
  explicit GnnNetImpl(const GnnConfig& config);

  struct HeadOutputs {
    torch::Tensor bias;    // a(z_v), [N]
    torch::Tensor slopes;  // softplus(w_k(z_v)) >= 0, [N, K]
  };
  // `x`: [N, F] raw features; `src`, `dst`: [E] int64 node indices of the
  // edges (producer, consumer).
  HeadOutputs Encode(const torch::Tensor& x, const torch::Tensor& src,
                     const torch::Tensor& dst);
  // Head logits a − Σ_k s_k · max(0, log p − knot_k), [N]; `log_p`: [N].
  torch::Tensor Logits(const HeadOutputs& head, const torch::Tensor& log_p) const;

  // Every Linear layer, in registration order (for initialisation).
  std::vector<torch::nn::Linear> linears() const;

  torch::Tensor feature_mean;  // buffer "feature_mean" [F]
  torch::Tensor feature_std;   // buffer "feature_std" [F], > 0
  torch::Tensor knots;         // [K] float, from the config (not a buffer)

 private:
  std::vector<torch::nn::Linear> self_;
  std::vector<torch::nn::Linear> from_producers_;
  std::vector<torch::nn::Linear> from_consumers_;
  torch::nn::Linear bias_head_{nullptr};
  torch::nn::Linear slope_head_{nullptr};
};
TORCH_MODULE(GnnNet);

struct TorchBottleneckModel::Impl {
  explicit Impl(const GnnConfig& c) : config(c), net(c) {}
  GnnConfig config;
  GnnNet net;
};

// Copies every parameter and buffer of `from` into `to` (same config).
void CopyNetState(GnnNetImpl& from, GnnNetImpl& to);

// OK, or INVALID_ARGUMENT when `graph` does not fit a model whose rows are
// `feature_dim` wide.
absl::Status CheckGraph(const GraphFeatures& graph, int feature_dim);

// Several graphs as one disconnected graph: rows concatenated, edge indices
// shifted. Graphs must have passed CheckGraph.
struct GraphBatch {
  torch::Tensor x;               // [N, F] float
  torch::Tensor src;             // [E] int64
  torch::Tensor dst;             // [E] int64
  std::vector<int64_t> offsets;  // first row of each graph
};
GraphBatch MakeBatch(const std::vector<const GraphFeatures*>& graphs, int feature_dim);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_GNN_NET_H_
