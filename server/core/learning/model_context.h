// The models one decision may use, loaded by the tuning core before the
// policy runs, so that policies do no I/O: the newest pre-training run that
// serves the job, the job's newest fine-tuned model, and every one of them
// loaded (from the ModelRepository's cache of immutable versions; only a
// version this replica has not seen yet costs a read).
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_MODEL_CONTEXT_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_MODEL_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/core/learning/model_repository.h"
#include "storage/decision_records.h"

namespace streamtune {

class ModelContext {
 public:
  // Models from `inputs` (its run, its job model), loaded through `models`;
  // `tenant` is the job's. A model that does not load is remembered with
  // its error (Loaded returns it), so a policy can fall back and say why.
  static ModelContext Load(ModelRepository& models, absl::string_view tenant,
                           const DecisionInputs& inputs);
  // A context of the given models, already loaded (unit tests, tools).
  // `run_tenant` is where the run's models are stored.
  ModelContext(std::optional<PretrainedModels> run, std::string run_tenant,
               std::optional<v1::Model> job_model);
  void AddLoaded(const v1::Model& model, std::shared_ptr<const BottleneckModel> loaded);

  // The newest run serving the job; nullopt before the first pre-training.
  const std::optional<PretrainedModels>& run() const { return run_; }
  const std::string& run_tenant() const { return run_tenant_; }
  // The job's newest fine-tuned model version, if it has one.
  const std::optional<v1::Model>& job_model() const { return job_model_; }
  // `model` (of the run or the job) loaded; the load's error otherwise.
  absl::StatusOr<std::shared_ptr<const BottleneckModel>> Loaded(
      const v1::Model& model) const;

 private:
  static std::string Key(const v1::Model& model);

  std::optional<PretrainedModels> run_;
  std::string run_tenant_;
  std::optional<v1::Model> job_model_;
  absl::flat_hash_map<std::string,
                      absl::StatusOr<std::shared_ptr<const BottleneckModel>>>
      loaded_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_MODEL_CONTEXT_H_
