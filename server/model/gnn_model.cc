#include "server/model/gnn_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/model/gnn_net.h"

namespace streamtune {
namespace {

constexpr int kMaxWidth = 4096;
constexpr int kMaxLayers = 16;
constexpr int kMaxKnots = 64;

// Evaluates the head from the per-node outputs of the encoder: plain
// arithmetic on immutable vectors, so any number of threads may query it.
class HeadPredictor : public BottleneckPredictor {
 public:
  HeadPredictor(std::vector<double> bias, std::vector<double> slopes,
                std::vector<double> knots)
      : bias_(std::move(bias)), slopes_(std::move(slopes)), knots_(std::move(knots)) {}

  // NaN for a node out of range: no probability, and `NaN < θ` is false, so
  // a caller searching for a healthy parallelism never accepts it.
  double Probability(int node, int parallelism) const override {
    if (node < 0 || static_cast<size_t>(node) >= bias_.size()) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    // Each step is monotone in x under IEEE rounding (max, subtraction,
    // multiplication by s >= 0, addition), so the computed value never
    // rises with p either, not only the exact one.
    const double x = std::log(static_cast<double>(std::max(1, parallelism)));
    const size_t k = knots_.size();
    const double* s = &slopes_[static_cast<size_t>(node) * k];
    double descent = 0;
    for (size_t i = 0; i < k; ++i) descent += s[i] * std::max(0.0, x - knots_[i]);
    return 1.0 / (1.0 + std::exp(descent - bias_[node]));
  }

 private:
  std::vector<double> bias_;
  std::vector<double> slopes_;  // [node][knot]
  std::vector<double> knots_;
};

std::vector<float> ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<double> ToDoubles(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

std::vector<double> GnnConfig::DefaultKnots() {
  std::vector<double> knots;
  for (int p = 1; p <= 128; p *= 2) knots.push_back(std::log(static_cast<double>(p)));
  return knots;
}

absl::Status ValidateGnnConfig(const GnnConfig& config) {
  if (config.feature_dim < 1 || config.feature_dim > kMaxWidth) {
    return absl::InvalidArgumentError(
        absl::StrCat("feature_dim must be in [1, ", kMaxWidth, "]"));
  }
  if (config.hidden < 1 || config.hidden > kMaxWidth) {
    return absl::InvalidArgumentError(
        absl::StrCat("hidden must be in [1, ", kMaxWidth, "]"));
  }
  if (config.layers < 1 || config.layers > kMaxLayers) {
    return absl::InvalidArgumentError(
        absl::StrCat("layers must be in [1, ", kMaxLayers, "]"));
  }
  if (config.knots.empty() || config.knots.size() > kMaxKnots) {
    return absl::InvalidArgumentError(
        absl::StrCat("knots must have 1 to ", kMaxKnots, " entries"));
  }
  for (size_t i = 0; i < config.knots.size(); ++i) {
    if (!std::isfinite(config.knots[i]) ||
        (i > 0 && !(config.knots[i] > config.knots[i - 1]))) {
      return absl::InvalidArgumentError("knots must be finite and increasing");
    }
  }
  return absl::OkStatus();
}

GnnNetImpl::GnnNetImpl(const GnnConfig& config) {
  using torch::nn::Linear;
  using torch::nn::LinearOptions;
  int width = config.feature_dim;
  for (int l = 0; l < config.layers; ++l) {
    const std::string suffix = std::to_string(l);
    self_.push_back(
        register_module("self" + suffix, Linear(LinearOptions(width, config.hidden))));
    from_producers_.push_back(register_module(
        "in" + suffix, Linear(LinearOptions(width, config.hidden).bias(false))));
    from_consumers_.push_back(register_module(
        "out" + suffix, Linear(LinearOptions(width, config.hidden).bias(false))));
    width = config.hidden;
  }
  bias_head_ = register_module("bias_head", Linear(LinearOptions(width, 1)));
  slope_head_ = register_module(
      "slope_head",
      Linear(LinearOptions(width, static_cast<int64_t>(config.knots.size()))));
  feature_mean = register_buffer("feature_mean", torch::zeros({config.feature_dim}));
  feature_std = register_buffer("feature_std", torch::ones({config.feature_dim}));
  std::vector<float> knots_f(config.knots.begin(), config.knots.end());
  knots = torch::tensor(knots_f, torch::kFloat);
}

std::vector<torch::nn::Linear> GnnNetImpl::linears() const {
  std::vector<torch::nn::Linear> all;
  for (size_t l = 0; l < self_.size(); ++l) {
    all.push_back(self_[l]);
    all.push_back(from_producers_[l]);
    all.push_back(from_consumers_[l]);
  }
  all.push_back(bias_head_);
  all.push_back(slope_head_);
  return all;
}

GnnNetImpl::HeadOutputs GnnNetImpl::Encode(const torch::Tensor& x,
                                           const torch::Tensor& src,
                                           const torch::Tensor& dst) {
  const int64_t n = x.size(0);
  torch::Tensor h = (x - feature_mean) / feature_std;
  // Mean over neighbours: divide the sums by the degree (1 when isolated,
  // where the sum is 0 anyway).
  torch::Tensor edge_ones = torch::ones({src.size(0), 1}, x.options());
  torch::Tensor in_degree =
      torch::zeros({n, 1}, x.options()).index_add(0, dst, edge_ones).clamp_min(1);
  torch::Tensor out_degree =
      torch::zeros({n, 1}, x.options()).index_add(0, src, edge_ones).clamp_min(1);
  for (size_t l = 0; l < self_.size(); ++l) {
    torch::Tensor zeros = torch::zeros({n, h.size(1)}, x.options());
    torch::Tensor from_producers =
        zeros.index_add(0, dst, h.index_select(0, src)) / in_degree;
    torch::Tensor from_consumers =
        zeros.index_add(0, src, h.index_select(0, dst)) / out_degree;
    h = torch::relu(self_[l]->forward(h) + from_producers_[l]->forward(from_producers) +
                    from_consumers_[l]->forward(from_consumers));
  }
  return HeadOutputs{bias_head_->forward(h).squeeze(1),
                     torch::softplus(slope_head_->forward(h))};
}

torch::Tensor GnnNetImpl::Logits(const HeadOutputs& head,
                                 const torch::Tensor& log_p) const {
  torch::Tensor ramps = torch::relu(log_p.unsqueeze(1) - knots.unsqueeze(0));
  return head.bias - (head.slopes * ramps).sum(1);
}

void CopyNetState(GnnNetImpl& from, GnnNetImpl& to) {
  torch::NoGradGuard no_grad;
  auto source_params = from.named_parameters();
  for (auto& item : to.named_parameters()) {
    item.value().copy_(source_params[item.key()]);
  }
  auto source_buffers = from.named_buffers();
  for (auto& item : to.named_buffers()) {
    item.value().copy_(source_buffers[item.key()]);
  }
}

absl::Status CheckGraph(const GraphFeatures& graph, int feature_dim) {
  if (graph.num_nodes < 0) {
    return absl::InvalidArgumentError("num_nodes must be >= 0");
  }
  if (graph.node_features.size() !=
      static_cast<size_t>(graph.num_nodes) * static_cast<size_t>(feature_dim)) {
    return absl::InvalidArgumentError(
        absl::StrCat("node_features has ", graph.node_features.size(), " values, want ",
                     graph.num_nodes, " nodes x ", feature_dim, " features"));
  }
  for (float v : graph.node_features) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError("node_features must be finite");
    }
  }
  for (const auto& [from, to] : graph.edges) {
    if (from < 0 || from >= graph.num_nodes || to < 0 || to >= graph.num_nodes) {
      return absl::InvalidArgumentError(
          absl::StrCat("edge (", from, ", ", to, ") is out of range"));
    }
  }
  return absl::OkStatus();
}

GraphBatch MakeBatch(const std::vector<const GraphFeatures*>& graphs, int feature_dim) {
  int64_t nodes = 0;
  int64_t edges = 0;
  GraphBatch batch;
  for (const GraphFeatures* g : graphs) {
    batch.offsets.push_back(nodes);
    nodes += g->num_nodes;
    edges += static_cast<int64_t>(g->edges.size());
  }
  batch.x = torch::empty({nodes, feature_dim}, torch::kFloat);
  batch.src = torch::empty({edges}, torch::kLong);
  batch.dst = torch::empty({edges}, torch::kLong);
  float* x = batch.x.data_ptr<float>();
  int64_t* src = batch.src.data_ptr<int64_t>();
  int64_t* dst = batch.dst.data_ptr<int64_t>();
  for (size_t i = 0; i < graphs.size(); ++i) {
    const GraphFeatures& g = *graphs[i];
    if (!g.node_features.empty()) {
      std::memcpy(x, g.node_features.data(), g.node_features.size() * sizeof(float));
      x += g.node_features.size();
    }
    for (const auto& [from, to] : g.edges) {
      *src++ = from + batch.offsets[i];
      *dst++ = to + batch.offsets[i];
    }
  }
  return batch;
}

TorchBottleneckModel::TorchBottleneckModel(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

TorchBottleneckModel::~TorchBottleneckModel() = default;

std::unique_ptr<TorchBottleneckModel> TorchBottleneckModel::FromImpl(
    std::unique_ptr<Impl> impl) {
  return std::unique_ptr<TorchBottleneckModel>(
      new TorchBottleneckModel(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> TorchBottleneckModel::Create(
    const GnnConfig& config, uint64_t seed) {
  absl::Status valid = ValidateGnnConfig(config);
  if (!valid.ok()) return valid;
  try {
    auto impl = std::make_unique<Impl>(config);
    // PyTorch's default Linear initialisation, uniform ±1/sqrt(fan_in), but
    // from a local generator and a fixed float conversion, so the weights
    // depend on the seed alone.
    std::mt19937_64 generator(seed);
    torch::NoGradGuard no_grad;
    for (torch::nn::Linear& linear : impl->net->linears()) {
      const float bound =
          1.0f / std::sqrt(static_cast<float>(linear->options.in_features()));
      for (torch::Tensor* t : {&linear->weight, &linear->bias}) {
        if (!t->defined()) continue;
        float* data = t->data_ptr<float>();
        for (int64_t i = 0; i < t->numel(); ++i) {
          const float unit = static_cast<float>(generator() >> 40) * 0x1p-24f;
          data[i] = (2.0f * unit - 1.0f) * bound;
        }
      }
    }
    return FromImpl(std::move(impl));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("torch: ", e.what_without_backtrace()));
  }
}

absl::StatusOr<std::unique_ptr<BottleneckPredictor>> TorchBottleneckModel::Prepare(
    const GraphFeatures& graph) const {
  absl::Status valid = CheckGraph(graph, impl_->config.feature_dim);
  if (!valid.ok()) return valid;
  std::vector<double> knots = impl_->config.knots;
  if (graph.num_nodes == 0) {
    return std::unique_ptr<BottleneckPredictor>(std::make_unique<HeadPredictor>(
        std::vector<double>{}, std::vector<double>{}, std::move(knots)));
  }
  try {
    c10::InferenceMode inference;
    GraphBatch batch = MakeBatch({&graph}, impl_->config.feature_dim);
    GnnNetImpl::HeadOutputs head = impl_->net->Encode(batch.x, batch.src, batch.dst);
    return std::unique_ptr<BottleneckPredictor>(std::make_unique<HeadPredictor>(
        ToDoubles(head.bias), ToDoubles(head.slopes), std::move(knots)));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("torch: ", e.what_without_backtrace()));
  }
}

const GnnConfig& TorchBottleneckModel::config() const { return impl_->config; }

std::vector<float> TorchBottleneckModel::feature_mean() const {
  return ToVector(impl_->net->feature_mean);
}

std::vector<float> TorchBottleneckModel::feature_std() const {
  return ToVector(impl_->net->feature_std);
}

std::vector<float> TorchBottleneckModel::FlatParameters() const {
  std::vector<float> flat;
  for (const torch::Tensor& p : impl_->net->parameters()) {
    std::vector<float> part = ToVector(p);
    flat.insert(flat.end(), part.begin(), part.end());
  }
  return flat;
}

int64_t TorchBottleneckModel::num_parameters() const {
  int64_t n = 0;
  for (const torch::Tensor& p : impl_->net->parameters()) n += p.numel();
  return n;
}

std::unique_ptr<TorchBottleneckModel> TorchBottleneckModel::Clone() const {
  auto impl = std::make_unique<Impl>(impl_->config);
  CopyNetState(*impl_->net, *impl->net);
  return FromImpl(std::move(impl));
}

}  // namespace streamtune
