// TuningCore: what every StreamTune RPC does, free of gRPC, SQL and Torch.
// The gRPC handlers (server/service) only read the deadline and tenant, call
// this, convert the status and record metrics.
#ifndef STREAMTUNE_SERVER_CORE_TUNING_CORE_H_
#define STREAMTUNE_SERVER_CORE_TUNING_CORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/learning/model_repository.h"
#include "server/core/learning/pretraining.h"
#include "server/core/policy_registry.h"
#include "server/core/quota/tenant_quotas.h"
#include "server/core/request_validation.h"
#include "storage/store.h"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

struct TuningCoreOptions {
  // How many of a job's most recent snapshots / recommendations a policy
  // sees.
  int history_snapshots = 128;
  int history_recommendations = 32;
  // At most this many bytes of snapshots (StoredSnapshotBytes) are read as
  // history, newest first, so a job of large snapshots costs a bounded read,
  // parse and resident set per call (docs/benchmark.md, "Large snapshots").
  int64_t history_bytes = int64_t{8} << 20;
  // Each tenant's quotas (docs/operations.md, "Quotas"); borrowed, null: no
  // quotas. A call that would store a new snapshot is RESOURCE_EXHAUSTED, and
  // stores nothing, once the tenant's stored snapshots
  // (Store::TenantStoredBytes) reach its stored-bytes quota (0: unlimited). A
  // retry of a stored snapshot still succeeds.
  const TenantQuotas* quotas = nullptr;
  // Tenant whose pre-trained models serve tenants without a run of their
  // own (e.g. models trained on a generated corpus); empty: none.
  std::string shared_model_tenant;
  // Told when a decision queued fine-tuning work (wakes this replica's
  // FineTuneWorker); may be empty.
  std::function<void()> on_fine_tune_queued;
  ValidationLimits limits;
  // Defaults of a Pretrain call (its request sets the seed).
  PretrainOptions pretrain;
  // Source of "now" for created_at; injectable for tests.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Thread-safe; holds no per-job state. `store` and `policies` are borrowed
// and must outlive this object. Every method validates its request first:
// INVALID_ARGUMENT naming the field, and nothing is stored.
class TuningCore {
 public:
  // `pretrainer` may be null: Pretrain then answers UNIMPLEMENTED.
  // `models` loads the models of policies that use them; null: such
  // policies see no models (and fall back, saying so).
  TuningCore(Store* store, const PolicyRegistry* policies,
             TuningCoreOptions options = {}, const Pretrainer* pretrainer = nullptr,
             ModelRepository* models = nullptr);

  // Validates and labels the snapshot, reads what the decision needs in one
  // store read (history, a stored answer of a retry, the models' versions),
  // runs the requested (or default) policy, and commits snapshot, labels,
  // answer, the job's model and any fine-tuning request in one store write.
  // A retry with the same (tenant, job, snapshot id) returns the stored
  // answer; a different snapshot under a used id is ALREADY_EXISTS. Past
  // `deadline`, DEADLINE_EXCEEDED and nothing is stored.
  absl::StatusOr<v1::Recommendation> Recommend(
      absl::string_view tenant, const v1::SnapshotRequest& request,
      absl::Time deadline = absl::InfiniteFuture());
  // Validates, labels and stores the snapshot. Idempotent like Recommend.
  absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      absl::string_view tenant, const v1::SnapshotRequest& request);

  absl::StatusOr<v1::Job> GetJob(absl::string_view tenant,
                                 const v1::GetJobRequest& request);
  absl::StatusOr<v1::ListJobsResponse> ListJobs(absl::string_view tenant,
                                                const v1::ListJobsRequest& request);
  absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      absl::string_view tenant, const v1::ListSnapshotsRequest& request);
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      absl::string_view tenant, const v1::ListRecommendationsRequest& request);

  absl::StatusOr<v1::ListModelsResponse> ListModels(
      absl::string_view tenant, const v1::ListModelsRequest& request);
  absl::StatusOr<v1::Model> GetModel(absl::string_view tenant,
                                     const v1::GetModelRequest& request);
  // The tenant's newest published pre-training run; NOT_FOUND before the
  // first.
  absl::StatusOr<v1::PretrainRun> GetPretrainRun(
      absl::string_view tenant, const v1::GetPretrainRunRequest& request);
  // Checks a Pretrain request without running it: INVALID_ARGUMENT naming
  // the field, UNIMPLEMENTED when this core has no pretrainer.
  absl::Status ValidatePretrain(absl::string_view tenant,
                                const v1::PretrainRequest& request) const;
  // Clusters the tenant's history and trains its models (minutes on a large
  // history), reporting to `progress` (may be null; see Pretrainer::Run).
  // FAILED_PRECONDITION without labelled history. Synchronous: the
  // Pretrain RPC runs it on a background operation (PretrainOperations).
  absl::StatusOr<v1::PretrainResponse> Pretrain(absl::string_view tenant,
                                                const v1::PretrainRequest& request,
                                                PretrainProgress* progress = nullptr);

  // OK when the store answers (the server reports SERVING only then).
  absl::Status CheckReady();

 private:
  struct Prepared;
  // The tenant's stored-bytes quota; 0 (unlimited) without quotas.
  int64_t StoredBytesQuota(absl::string_view tenant) const;
  // Labels and history of `snapshot` from the job's stored `recent` ones.
  Prepared PrepareFrom(const v1::Snapshot& snapshot,
                       std::vector<v1::StoredSnapshot> recent) const;

  Store* store_;
  const PolicyRegistry* policies_;
  TuningCoreOptions options_;
  const Pretrainer* pretrainer_;
  ModelRepository* models_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_TUNING_CORE_H_
