// Pre-training (docs/algorithm.md §2): read the tenant's stored history,
// cluster its jobs by normalised graph edit distance (k-medoids, k chosen by
// silhouette), train one bottleneck model per cluster plus a global one, store
// them with their medoids and publish the run. Free of LibTorch and SQL: the
// trainer and the store come in through interfaces.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_PRETRAINING_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_PRETRAINING_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/learning/model_repository.h"
#include "server/core/learning/model_trainer.h"
#include "server/core/learning/pretrain_progress.h"
#include "server/core/learning/training_samples.h"
#include "storage/store.h"
#include "streamtune/v1/admin.pb.h"

namespace streamtune {

struct PretrainOptions {
  uint64_t seed = 1;
  int k_min = 2;
  int k_max = 8;
  // Smallest cluster worth its own model: max(this, 5% of the jobs).
  int min_cluster_size = 5;
  // At most this many samples per model (a seeded subsample beyond it).
  int max_samples_per_model = 20000;
  // Threads for the graph edit distances and k-medoids (>= 1); the clusters
  // do not depend on it.
  int clustering_threads = 2;
  // Gradient steps of the whole run (all models together; 0: no budget),
  // shared among the models in proportion to their samples; a model never
  // trains more than train.epochs either. Why: without it the run's steps
  // grow with the history and the number of clusters (30 epochs of every
  // model: 74,000 steps on a 10,000-snapshot history, 97% of the run) and so
  // does its time: 91 s on 2 idle cores, 522 s on 2 cores shared with other
  // builds (7 ms a step instead of 1.3). 40,000 steps take 50 s idle and
  // stay under 5 minutes even at 7 ms a step, with the same held-out
  // ROC-AUC (docs/algorithm.md §2.6).
  int64_t training_step_budget = 40000;
  // No model gets fewer steps than this from the budget.
  int min_steps_per_model = 200;
  TrainSettings train;
  SampleOptions samples;
  // Progress lines for logs and the CLI; may be empty.
  std::function<void(const std::string&)> progress;
};

// Thread-safe; one run at a time per tenant is the caller's business (two
// concurrent runs both publish; the later published run wins).
class Pretrainer {
 public:
  // All borrowed; they must outlive the pretrainer.
  Pretrainer(Store* store, ModelRepository* models, const ModelTrainer* trainer)
      : store_(store), models_(models), trainer_(trainer) {}

  // FAILED_PRECONDITION when the tenant has no labelled history. Reports
  // its phases to `progress` (may be null) and checks it at every progress
  // point: CANCELLED, with nothing stored, once progress->StopRequested()
  // (the models are kept in memory until all are trained, then stored and
  // published together).
  absl::StatusOr<v1::PretrainResponse> Run(absl::string_view tenant,
                                           const PretrainOptions& options,
                                           PretrainProgress* progress = nullptr) const;

 private:
  // A trained model not stored yet.
  struct TrainedRecord {
    v1::Model record;
    std::string weights;
  };
  // One model to train: its (subsampled) samples and its record so far.
  struct ModelToTrain {
    std::vector<TrainingSample> data;
    v1::Model record;
    std::string what;  // "cluster 2 of 5", "global"
  };
  // Trains `model` into its record (adding the training metrics) in at most
  // `max_steps` steps (0: no bound), reporting the steps to `progress`.
  absl::StatusOr<TrainedRecord> Train(const PretrainOptions& options,
                                      ModelToTrain model, int64_t max_steps,
                                      PretrainProgress* progress) const;
  // Stores the models (clusters first, the global one last) and publishes
  // them as one run.
  absl::StatusOr<v1::PretrainResponse> StoreAndPublish(
      absl::string_view tenant, const std::string& run,
      std::vector<TrainedRecord> trained, PretrainProgress* progress) const;

  Store* store_;
  ModelRepository* models_;
  const ModelTrainer* trainer_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_PRETRAINING_H_
