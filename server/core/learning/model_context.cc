#include "server/core/learning/model_context.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace streamtune {

ModelContext::ModelContext(std::optional<PretrainedModels> run, std::string run_tenant,
                           std::optional<v1::Model> job_model)
    : run_(std::move(run)),
      run_tenant_(std::move(run_tenant)),
      job_model_(std::move(job_model)) {}

std::string ModelContext::Key(const v1::Model& model) {
  return absl::StrCat(model.model_id(), "@", model.version());
}

ModelContext ModelContext::Load(ModelRepository& models, absl::string_view tenant,
                                const DecisionInputs& inputs) {
  std::optional<PretrainedModels> run;
  if (inputs.run.has_value()) run = PretrainedModelsOf(*inputs.run);
  ModelContext context(std::move(run), inputs.run_tenant, inputs.job_model);
  if (context.run_.has_value()) {
    for (const v1::Model& cluster : context.run_->clusters) {
      context.loaded_.emplace(Key(cluster), models.Load(inputs.run_tenant, cluster));
    }
    if (context.run_->global.has_value()) {
      const v1::Model& global = *context.run_->global;
      context.loaded_.emplace(Key(global), models.Load(inputs.run_tenant, global));
    }
  }
  if (context.job_model_.has_value()) {
    context.loaded_.emplace(Key(*context.job_model_),
                            models.Load(tenant, *context.job_model_));
  }
  return context;
}

void ModelContext::AddLoaded(const v1::Model& model,
                             std::shared_ptr<const BottleneckModel> loaded) {
  loaded_.insert_or_assign(Key(model), std::move(loaded));
}

absl::StatusOr<std::shared_ptr<const BottleneckModel>> ModelContext::Loaded(
    const v1::Model& model) const {
  auto it = loaded_.find(Key(model));
  if (it == loaded_.end()) {
    return absl::NotFoundError(
        absl::StrCat("model ", model.model_id(), " v", model.version(), " not loaded"));
  }
  return it->second;
}

}  // namespace streamtune
