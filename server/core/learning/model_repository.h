// ModelRepository: loads the models StreamTune uses from the Store. Model
// versions are immutable, so loaded models are cached by (tenant, model id,
// version); which versions to use is read fresh with every decision
// (DecisionInputs), which keeps replicas stateless and interchangeable.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_MODEL_REPOSITORY_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_MODEL_REPOSITORY_H_

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/core/learning/model_trainer.h"
#include "storage/store.h"

namespace streamtune {

// Model kinds (v1::Model.kind).
inline constexpr char kClusterModelKind[] = "cluster";
inline constexpr char kGlobalModelKind[] = "global";
inline constexpr char kJobModelKind[] = "job";
// The fine-tuned model of one job.
std::string JobModelId(absl::string_view job_id);

// The models of the newest pre-training run: one per cluster (with its
// medoid) and the global one.
struct PretrainedModels {
  std::string run;
  std::vector<v1::Model> clusters;
  std::optional<v1::Model> global;
};

// The models of a stored run, by kind.
PretrainedModels PretrainedModelsOf(const v1::PretrainRun& run);

// Thread-safe. `store` and `trainer` must outlive the repository.
class ModelRepository {
 public:
  ModelRepository(Store* store, const ModelTrainer* trainer, int cache_capacity = 256);

  // Publishes a finished run (the record others find with NewestRun).
  absl::Status PublishRun(absl::string_view tenant, const PretrainedModels& run);
  // A loaded model; cached, so repeated calls cost a hash lookup.
  absl::StatusOr<std::shared_ptr<const BottleneckModel>> Load(absl::string_view tenant,
                                                              const v1::Model& model);
  // Stores a new version of a model (e.g. a job's fine-tuned copy).
  absl::StatusOr<v1::Model> Put(absl::string_view tenant, const v1::Model& model,
                                absl::string_view weights);
  // The stored weights of a model version (for fine-tuning from it).
  absl::StatusOr<std::string> Weights(absl::string_view tenant, const v1::Model& model);

  int64_t cache_hits() const;
  // Loaded versions held now, and the most it holds.
  int64_t cached() const;
  int64_t capacity() const { return static_cast<int64_t>(capacity_); }
  int64_t cache_misses() const;

 private:
  using Key = std::tuple<std::string, std::string, int64_t>;
  Store* store_;
  const ModelTrainer* trainer_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  // Least recently used at the back.
  std::list<std::pair<Key, std::shared_ptr<const BottleneckModel>>> lru_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Key, decltype(lru_)::iterator> index_ ABSL_GUARDED_BY(mu_);
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_MODEL_REPOSITORY_H_
