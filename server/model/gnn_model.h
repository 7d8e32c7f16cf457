// The StreamTune bottleneck model (docs/algorithm.md §2.4–2.5): a GNN
// encoder over the operator DAG and a head that is monotone non-increasing in
// parallelism by construction. LibTorch stays behind a pimpl: this header is
// torch-free, so the service can hold models without compiling torch headers.
#ifndef STREAMTUNE_SERVER_MODEL_GNN_MODEL_H_
#define STREAMTUNE_SERVER_MODEL_GNN_MODEL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/core/learning/features.h"

namespace streamtune {

// Architecture hyper-parameters; stored with the weights by SerializeModel.
struct GnnConfig {
  // Width of a node feature row (features.h).
  int feature_dim = kNodeFeatureDim;
  // Width of every message-passing layer, and of the embedding z_v.
  int hidden = 64;
  // Message-passing layers (each sees producers, consumers and the node
  // itself), so an operator sees `layers` hops up- and downstream.
  int layers = 3;
  // Knots of the ramp basis φ_k(x) = max(0, x − knot_k), x = log p; must be
  // strictly increasing. Default log 1, log 2, ..., log 128: since p >= 1 the
  // ramp at log 1 is the linear term, and the head's slope in log p may grow
  // at each doubling. Beyond the last knot every ramp is linear.
  std::vector<double> knots = DefaultKnots();

  static std::vector<double> DefaultKnots();
};

// OK, or INVALID_ARGUMENT naming the bad field (sizes must be positive and
// at most 4096, layers at most 16, 1 to 64 finite increasing knots).
absl::Status ValidateGnnConfig(const GnnConfig& config);

// One trained (or freshly initialised) model. Immutable once built, so
// Prepare may be called from many threads at once; the trainer and the codec
// build it through the internal Impl (server/model/gnn_net.h).
//
// P(bottleneck_v | p) = sigmoid(a(z_v) − Σ_k softplus(w_k(z_v)) · φ_k(log p)):
// every term subtracts a non-negative multiple of a non-decreasing function
// of p, so P never rises with p, for any weights.
class TorchBottleneckModel : public BottleneckModel {
 public:
  // A model with weights drawn uniformly from ±1/sqrt(fan_in) by a generator
  // seeded with `seed` (no global torch RNG, so concurrent calls are safe and
  // reproducible), and identity feature normalisation (mean 0, std 1).
  // INVALID_ARGUMENT for a bad config.
  static absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> Create(
      const GnnConfig& config, uint64_t seed);

  ~TorchBottleneckModel() override;
  TorchBottleneckModel(const TorchBottleneckModel&) = delete;
  TorchBottleneckModel& operator=(const TorchBottleneckModel&) = delete;

  // Runs the encoder once (normalisation, message passing, both heads) and
  // returns a predictor that only evaluates the cheap head formula.
  // INVALID_ARGUMENT when the feature width differs from config().feature_dim,
  // the sizes disagree, a value is not finite or an edge index is out of range.
  absl::StatusOr<std::unique_ptr<BottleneckPredictor>> Prepare(
      const GraphFeatures& graph) const override;

  const GnnConfig& config() const;
  // Per-column normalisation (x − mean) / std applied before the encoder.
  std::vector<float> feature_mean() const;
  std::vector<float> feature_std() const;
  // Every trainable weight, flattened in a fixed order (tests, diagnostics).
  std::vector<float> FlatParameters() const;
  int64_t num_parameters() const;
  // An independent deep copy (weights and normalisation).
  std::unique_ptr<TorchBottleneckModel> Clone() const;

  // Internal to server/model: the LibTorch module behind this model.
  struct Impl;
  static std::unique_ptr<TorchBottleneckModel> FromImpl(std::unique_ptr<Impl> impl);
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  explicit TorchBottleneckModel(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_GNN_MODEL_H_
