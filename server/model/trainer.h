// Training of the bottleneck model (docs/algorithm.md §2.6 pre-training
// and §3.3 per-job fine-tuning): weighted binary cross-entropy with Adam,
// a held-out split by job, and the metrics stored with a model version.
#ifndef STREAMTUNE_SERVER_MODEL_TRAINER_H_
#define STREAMTUNE_SERVER_MODEL_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/model/gnn_model.h"

namespace streamtune {

struct TrainOptions {
  // Seeds the initial weights, the held-out split and the batch order. The
  // same seed, samples and `threads` give the same model bit for bit.
  uint64_t seed = 1;
  // Passes over the training samples.
  int epochs = 30;
  // Adam step size. 3e-3 made the loss jump between epochs on the synthetic
  // 200-job set (held-out ROC-AUC 0.955); 1e-3 trains smoothly (0.987).
  double learning_rate = 1e-3;
  // Graphs (samples) per gradient step.
  int batch_graphs = 16;
  // Architecture of a new model; ignored when fine-tuning from `start`.
  int feature_dim = kNodeFeatureDim;
  int hidden = 64;
  int layers = 3;
  // Share of distinct job_ids held out for the metrics, rounded to the
  // nearest whole job and capped so at least one job is trained on (a
  // single job is never held out).
  double holdout_fraction = 0.2;
  // λ of the pull λ·||θ − θ_start||² toward `start`'s weights (fine-tuning);
  // ignored without `start`. 0 disables it.
  double l2_pull = 0;
  // Stop after this many gradient steps in total (0: no limit).
  int max_steps = 0;
  // Weight each class so that both contribute half of the loss (positives
  // by N / (2·N_pos), negatives by N / (2·N_neg), over the training nodes).
  // Bottlenecks are usually the rarer class; balancing keeps the model from
  // learning "never a bottleneck". It shifts the probabilities toward a 50%
  // prior, i.e. P is calibrated as if both classes were equally frequent;
  // the recommendation threshold θ is chosen with that in mind.
  bool class_balanced = true;
  // LibTorch intra-op threads, set process-wide (at::set_num_threads) when
  // positive; 1 keeps training deterministic and off the serving cores.
  int threads = 1;
  // Called after every epoch with its mean training loss; may be empty.
  std::function<void(int epoch, double loss)> progress;
  // Called before every gradient step with the steps done and planned
  // (epochs x batches, capped by max_steps); returning false stops training
  // with CANCELLED. May be empty.
  std::function<bool(int64_t step, int64_t total_steps)> on_step;
};

// Metrics on the held-out jobs, predicted through Prepare/Probability (the
// serving path) at each sample's query parallelism.
struct HeldOutMetrics {
  int jobs = 0;
  int samples = 0;
  int64_t labelled_nodes = 0;
  int64_t positives = 0;
  double roc_auc = 0;  // NaN when a class is absent or nothing is held out.
  double brier = 0;    // NaN when nothing is held out.
};

struct TrainResult {
  std::unique_ptr<TorchBottleneckModel> model;
  // Mean weighted cross-entropy of each epoch's batches (without the L2
  // pull), one entry per completed epoch.
  std::vector<double> epoch_loss;
  // Weighted cross-entropy over all training nodes, before the first and
  // after the last step.
  double initial_loss = 0;
  double final_loss = 0;
  int steps = 0;
  int train_jobs = 0;
  int train_samples = 0;
  int64_t train_labelled_nodes = 0;
  int64_t train_positives = 0;
  std::vector<std::string> held_out_job_ids;
  HeldOutMetrics held_out;
  // Largest P(p+1) − P(p) over p = 1..kMonotonicityCheckMaxParallelism − 1
  // and every node of the held-out graphs (the training graphs when nothing
  // is held out), floored at 0. Must be <= 1e-6; by construction it is 0.
  double max_monotonicity_increase = 0;
};

inline constexpr int kMonotonicityCheckMaxParallelism = 256;

// Trains a new model (`start` == nullptr; feature normalisation from the
// training samples) or fine-tunes a copy of `start` (its architecture and
// normalisation; `start` is not modified and need only outlive the call).
// INVALID_ARGUMENT for bad options or a malformed sample (named by index:
// sizes disagree, a label not in {-1, 0, 1}, a query parallelism < 1, a graph
// Prepare would reject); FAILED_PRECONDITION when no training node is
// labelled; CANCELLED when `on_step` says stop. Safe to call from several threads (each
// call trains its own copy), but `threads` > 0 sets LibTorch's process-wide thread
// count.
absl::StatusOr<TrainResult> TrainModel(const std::vector<TrainingSample>& samples,
                                       const TrainOptions& options,
                                       const TorchBottleneckModel* start = nullptr);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_TRAINER_H_
