#include "server/core/learning/model_repository.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune {

std::string JobModelId(absl::string_view job_id) {
  return absl::StrCat("job:", job_id);
}

ModelRepository::ModelRepository(Store* store, const ModelTrainer* trainer,
                                 int cache_capacity)
    : store_(store), trainer_(trainer), capacity_(std::max(1, cache_capacity)) {}

PretrainedModels PretrainedModelsOf(const v1::PretrainRun& run) {
  PretrainedModels models;
  models.run = run.run_id();
  for (const v1::Model& model : run.models()) {
    if (model.kind() == kGlobalModelKind) {
      models.global = model;
    } else if (model.kind() == kClusterModelKind) {
      models.clusters.push_back(model);
    }
  }
  return models;
}

absl::Status ModelRepository::PublishRun(absl::string_view tenant,
                                         const PretrainedModels& run) {
  v1::PretrainRun record;
  record.set_run_id(run.run);
  for (const v1::Model& model : run.clusters) *record.add_models() = model;
  if (run.global.has_value()) *record.add_models() = *run.global;
  return store_->PutPretrainRun(tenant, record).status();
}

absl::StatusOr<v1::Model> ModelRepository::Put(absl::string_view tenant,
                                               const v1::Model& model,
                                               absl::string_view weights) {
  return store_->PutModel(tenant, model, weights);
}

absl::StatusOr<std::string> ModelRepository::Weights(absl::string_view tenant,
                                                     const v1::Model& model) {
  return store_->GetModelWeights(tenant, model.model_id(), model.version());
}

absl::StatusOr<std::shared_ptr<const BottleneckModel>> ModelRepository::Load(
    absl::string_view tenant, const v1::Model& model) {
  const Key key{std::string(tenant), model.model_id(), model.version()};
  {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
    ++misses_;
  }
  // Loading happens outside the lock; two threads may load the same version
  // once each, which is harmless (versions are immutable).
  STREAMTUNE_ASSIGN_OR_RETURN(std::string weights, Weights(tenant, model));
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<BottleneckModel> loaded,
                              trainer_->Load(weights));
  std::shared_ptr<const BottleneckModel> shared(std::move(loaded));
  absl::MutexLock lock(&mu_);
  if (index_.find(key) == index_.end()) {
    lru_.emplace_front(key, shared);
    index_[key] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  return shared;
}

int64_t ModelRepository::cache_hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

int64_t ModelRepository::cached() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(lru_.size());
}

int64_t ModelRepository::cache_misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace streamtune
