#include "server/core/tuning_core.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/fingerprint.h"
#include "common/retry_after.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "google/protobuf/util/time_util.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/learning/model_context.h"

namespace streamtune {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int32_t kDefaultPageSize = 100;
constexpr char kTenantPath[] = "metadata x-streamtune-tenant";

// What every listing checks first: the tenant and the page size.
template <typename ListRequest>
absl::Status ValidateListing(absl::string_view tenant, const ListRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  return ValidatePageSize(request.page_size(), "page_size");
}

// The [start_time, end_time) of a listing request that has one.
template <typename ListRequest>
absl::StatusOr<TimeRange> RequestTimeRange(const ListRequest& request) {
  return ValidateTimeRange(
      request.has_start_time() ? &request.start_time() : nullptr, "start_time",
      request.has_end_time() ? &request.end_time() : nullptr, "end_time");
}

template <typename ListRequest>
PageRequest PageOf(const ListRequest& request) {
  return PageRequest{request.page_size() == 0 ? kDefaultPageSize : request.page_size(),
                     request.page_token()};
}

// Moves a store page into a response's repeated field and page token.
template <typename Item>
void MovePage(Page<Item> page, google::protobuf::RepeatedPtrField<Item>* items,
              std::string* next_page_token) {
  items->Reserve(static_cast<int>(page.items.size()));
  for (Item& item : page.items) *items->Add() = std::move(item);
  *next_page_token = std::move(page.next_page_token);
}

// ALREADY_EXISTS unless `snapshot` has the fingerprint of the one stored
// under its id.
absl::Status SameContent(const v1::Snapshot& snapshot,
                         absl::string_view stored_fingerprint) {
  if (SnapshotFingerprint(snapshot) == stored_fingerprint) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrFormat(
      "snapshot.snapshot_id: \"%s\" is already stored for job \"%s\" with "
      "different content",
      snapshot.snapshot_id(), snapshot.job_id()));
}

// DEADLINE_EXCEEDED once `deadline` has passed, saying at which step.
absl::Status CheckDeadline(absl::Time deadline, absl::string_view step) {
  if (absl::Now() < deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("the call's deadline passed ", step, "; nothing was stored"));
}

// What a decision on `snapshot` reads; the models' part only `with_models`.
DecisionReadRequest ReadFor(absl::string_view tenant, const v1::Snapshot& snapshot,
                            const TuningCoreOptions& options, bool with_models) {
  DecisionReadRequest read;
  read.job_id = snapshot.job_id();
  read.snapshot_id = snapshot.snapshot_id();
  read.history_snapshots = options.history_snapshots;
  read.history_recommendations = options.history_recommendations;
  read.history_bytes = options.history_bytes;
  if (with_models) {
    read.model_tenants.emplace_back(tenant);
    if (!options.shared_model_tenant.empty() && options.shared_model_tenant != tenant) {
      read.model_tenants.push_back(options.shared_model_tenant);
    }
    read.job_model_id = JobModelId(snapshot.job_id());
  }
  return read;
}

// RESOURCE_EXHAUSTED when the decision would store a new snapshot for a
// tenant at its stored-bytes quota. Checked against the usage read with the
// decision's inputs: concurrent calls may each store one snapshot past it.
absl::Status CheckStoredBytesQuota(absl::string_view tenant,
                                   const DecisionInputs& inputs, int64_t quota) {
  if (quota <= 0 || inputs.stored_fingerprint.has_value() ||
      inputs.tenant_stored_bytes < quota) {
    return absl::OkStatus();
  }
  // Waiting frees nothing: clients are told not to retry.
  return WithNoRetry(absl::ResourceExhaustedError(absl::StrCat(
      "tenant \"", tenant, "\" stores ", inputs.tenant_stored_bytes,
      " bytes of snapshots, its quota is ", quota,
      "; the snapshot was not stored (retries of stored snapshots still succeed)")));
}

absl::Status RequireSnapshot(const v1::SnapshotRequest& request) {
  if (!request.has_snapshot()) {
    return absl::InvalidArgumentError("snapshot: required");
  }
  return absl::OkStatus();
}

void FillTotals(const v1::Snapshot& snapshot, v1::Recommendation* answer) {
  int64_t current = 0;
  int64_t recommended = 0;
  for (const auto& op : answer->operators()) {
    current += op.current_parallelism();
    recommended += op.recommended_parallelism();
  }
  answer->set_current_total_parallelism(current);
  answer->set_recommended_total_parallelism(recommended);
  answer->set_job_id(snapshot.job_id());
  answer->set_snapshot_id(snapshot.snapshot_id());
}

}  // namespace

// A validated request with everything looked up that a policy needs. Owns
// the history so the graph and the spans stay valid while it lives.
struct TuningCore::Prepared {
  v1::StoredSnapshot stored;
  std::vector<v1::OperatorLabel> labels;  // The same as stored.labels().
  std::vector<v1::StoredSnapshot> history;
};

TuningCore::TuningCore(Store* store, const PolicyRegistry* policies,
                       TuningCoreOptions options, const Pretrainer* pretrainer,
                       ModelRepository* models)
    : store_(store),
      policies_(policies),
      options_(std::move(options)),
      pretrainer_(pretrainer),
      models_(models) {}

TuningCore::Prepared TuningCore::PrepareFrom(
    const v1::Snapshot& snapshot, std::vector<v1::StoredSnapshot> recent) const {
  Prepared prepared;
  // Only what happened before this snapshot is history, whatever order the
  // snapshots arrived in.
  for (auto& past : recent) {
    if (past.snapshot().snapshot_id() != snapshot.snapshot_id() &&
        past.snapshot().observed_at() < snapshot.observed_at()) {
      prepared.history.push_back(std::move(past));
    }
  }
  *prepared.stored.mutable_snapshot() = snapshot;
  const JobGraph graph(prepared.stored.snapshot());
  const v1::Snapshot* previous = ComparablePrevious(snapshot, prepared.history);
  const v1::Snapshot* before_previous =
      previous == nullptr ? nullptr : ComparablePrevious(*previous, prepared.history);
  prepared.labels = LabelBottlenecks(graph, previous, before_previous);
  for (const auto& label : prepared.labels) *prepared.stored.add_labels() = label;
  return prepared;
}

absl::StatusOr<v1::Recommendation> TuningCore::Recommend(
    absl::string_view tenant, const v1::SnapshotRequest& request, absl::Time deadline) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  STREAMTUNE_RETURN_IF_ERROR(RequireSnapshot(request));
  STREAMTUNE_RETURN_IF_ERROR(
      ValidateSnapshot(request.snapshot(), "snapshot", options_.limits));
  STREAMTUNE_ASSIGN_OR_RETURN(const Policy* policy, policies_->Find(request.policy()));
  const v1::Snapshot& snapshot = request.snapshot();

  // The one read.
  const bool with_models = policy->uses_models() && models_ != nullptr;
  STREAMTUNE_ASSIGN_OR_RETURN(
      DecisionInputs inputs,
      store_->LoadDecisionInputs(tenant,
                                 ReadFor(tenant, snapshot, options_, with_models)));
  if (inputs.stored_fingerprint.has_value()) {
    STREAMTUNE_RETURN_IF_ERROR(SameContent(snapshot, *inputs.stored_fingerprint));
  }
  STREAMTUNE_RETURN_IF_ERROR(
      CheckStoredBytesQuota(tenant, inputs, StoredBytesQuota(tenant)));
  if (inputs.stored_recommendation.has_value()) {
    return *std::move(inputs.stored_recommendation);
  }

  Prepared prepared = PrepareFrom(snapshot, std::move(inputs.history));
  std::optional<ModelContext> models;
  if (with_models) models = ModelContext::Load(*models_, tenant, inputs);
  const JobGraph graph(prepared.stored.snapshot());
  PolicyInput input{tenant,
                    graph,
                    prepared.labels,
                    prepared.history,
                    inputs.recommendations,
                    ComparablePrevious(snapshot, prepared.history)};
  input.models = models.has_value() ? &*models : nullptr;
  STREAMTUNE_RETURN_IF_ERROR(CheckDeadline(deadline, "before the policy ran"));
  STREAMTUNE_ASSIGN_OR_RETURN(PolicyDecision decision, policy->Decide(input));
  v1::Recommendation& answer = decision.recommendation;
  FillTotals(snapshot, &answer);
  answer.set_policy(std::string(policy->name()));
  *answer.mutable_created_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(options_.clock()));
  // Nothing is stored for a caller that gave up: its retry decides afresh.
  STREAMTUNE_RETURN_IF_ERROR(CheckDeadline(deadline, "before the answer was stored"));
  // The one write.
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation stored,
                              store_->PutSnapshotAndRecommendation(
                                  tenant, prepared.stored, answer, decision.fine_tune));
  if (decision.fine_tune.has_value() && options_.on_fine_tune_queued) {
    options_.on_fine_tune_queued();
  }
  return stored;
}

absl::StatusOr<v1::ReportSnapshotResponse> TuningCore::ReportSnapshot(
    absl::string_view tenant, const v1::SnapshotRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  STREAMTUNE_RETURN_IF_ERROR(RequireSnapshot(request));
  STREAMTUNE_RETURN_IF_ERROR(
      ValidateSnapshot(request.snapshot(), "snapshot", options_.limits));
  // The history labels the snapshot; a retry (the snapshot is stored) reads
  // none, and the store returns the stored snapshot's sequence.
  DecisionReadRequest read =
      ReadFor(tenant, request.snapshot(), options_, /*with_models=*/false);
  read.history_recommendations = 0;
  read.snapshot_stored_suffices = true;
  STREAMTUNE_ASSIGN_OR_RETURN(DecisionInputs inputs,
                              store_->LoadDecisionInputs(tenant, read));
  STREAMTUNE_RETURN_IF_ERROR(
      CheckStoredBytesQuota(tenant, inputs, StoredBytesQuota(tenant)));
  const Prepared prepared = PrepareFrom(request.snapshot(), std::move(inputs.history));
  STREAMTUNE_ASSIGN_OR_RETURN(PutSnapshotResult result,
                              store_->PutSnapshot(tenant, prepared.stored));
  v1::ReportSnapshotResponse response;
  response.set_stored(result.stored);
  response.set_sequence(result.sequence);
  return response;
}

absl::StatusOr<v1::Job> TuningCore::GetJob(absl::string_view tenant,
                                           const v1::GetJobRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  STREAMTUNE_RETURN_IF_ERROR(ValidateJobId(request.job_id(), "job_id"));
  return store_->GetJob(tenant, request.job_id());
}

absl::StatusOr<v1::ListJobsResponse> TuningCore::ListJobs(
    absl::string_view tenant, const v1::ListJobsRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateListing(tenant, request));
  STREAMTUNE_ASSIGN_OR_RETURN(const TimeRange range, RequestTimeRange(request));
  STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::Job> page,
                              store_->ListJobs(tenant, PageOf(request), range));
  v1::ListJobsResponse response;
  MovePage(std::move(page), response.mutable_jobs(),
           response.mutable_next_page_token());
  return response;
}

absl::StatusOr<v1::ListSnapshotsResponse> TuningCore::ListSnapshots(
    absl::string_view tenant, const v1::ListSnapshotsRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateListing(tenant, request));
  STREAMTUNE_RETURN_IF_ERROR(ValidateJobId(request.job_id(), "job_id"));
  STREAMTUNE_ASSIGN_OR_RETURN(
      Page<v1::StoredSnapshot> page,
      store_->ListSnapshots(tenant, request.job_id(), PageOf(request)));
  v1::ListSnapshotsResponse response;
  MovePage(std::move(page), response.mutable_snapshots(),
           response.mutable_next_page_token());
  return response;
}

absl::StatusOr<v1::ListRecommendationsResponse> TuningCore::ListRecommendations(
    absl::string_view tenant, const v1::ListRecommendationsRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateListing(tenant, request));
  STREAMTUNE_RETURN_IF_ERROR(ValidateJobId(request.job_id(), "job_id"));
  STREAMTUNE_ASSIGN_OR_RETURN(const TimeRange range, RequestTimeRange(request));
  STREAMTUNE_ASSIGN_OR_RETURN(
      Page<v1::Recommendation> page,
      store_->ListRecommendations(tenant, request.job_id(), PageOf(request), range));
  v1::ListRecommendationsResponse response;
  MovePage(std::move(page), response.mutable_recommendations(),
           response.mutable_next_page_token());
  return response;
}

absl::StatusOr<v1::ListModelsResponse> TuningCore::ListModels(
    absl::string_view tenant, const v1::ListModelsRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateListing(tenant, request));
  STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::Model> page,
                              store_->ListModels(tenant, PageOf(request)));
  v1::ListModelsResponse response;
  MovePage(std::move(page), response.mutable_models(),
           response.mutable_next_page_token());
  return response;
}

absl::StatusOr<v1::Model> TuningCore::GetModel(absl::string_view tenant,
                                               const v1::GetModelRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  STREAMTUNE_RETURN_IF_ERROR(ValidateModelId(request.model_id(), "model_id"));
  if (request.version() < 0) {
    return absl::InvalidArgumentError("version: must be >= 0 (0 = newest)");
  }
  return store_->GetModel(tenant, request.model_id(), request.version());
}

absl::StatusOr<v1::PretrainRun> TuningCore::GetPretrainRun(
    absl::string_view tenant, const v1::GetPretrainRunRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  STREAMTUNE_ASSIGN_OR_RETURN(std::optional<v1::PretrainRun> run,
                              store_->NewestPretrainRun(tenant));
  if (!run.has_value()) {
    return absl::NotFoundError("no pre-training run yet for this tenant; run Pretrain");
  }
  return *std::move(run);
}

absl::Status TuningCore::ValidatePretrain(absl::string_view tenant,
                                          const v1::PretrainRequest& request) const {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, kTenantPath));
  if (pretrainer_ == nullptr) {
    return absl::UnimplementedError(
        "Pretrain: this server was started without training");
  }
  if (request.seed() < 0) return absl::InvalidArgumentError("seed: must be >= 0");
  constexpr int kMaxTrainingSteps = 1000000;
  if (request.max_training_steps() < 0 ||
      request.max_training_steps() > kMaxTrainingSteps) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_training_steps: must be in [0, ", kMaxTrainingSteps,
                     "], got ", request.max_training_steps()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PretrainResponse> TuningCore::Pretrain(
    absl::string_view tenant, const v1::PretrainRequest& request,
    PretrainProgress* progress) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePretrain(tenant, request));
  PretrainOptions options = options_.pretrain;
  if (request.seed() > 0) options.seed = static_cast<uint64_t>(request.seed());
  if (request.max_training_steps() > 0)
    options.train.max_steps = request.max_training_steps();
  return pretrainer_->Run(tenant, options, progress);
}

absl::Status TuningCore::CheckReady() { return store_->Ping(); }

int64_t TuningCore::StoredBytesQuota(absl::string_view tenant) const {
  return options_.quotas == nullptr ? 0 : options_.quotas->For(tenant).stored_bytes;
}

}  // namespace streamtune
