// InMemoryStore: a Store kept in process memory behind one mutex. It is the
// trivially correct model the PostgreSQL store is checked against (as
// LevelDB's ModelDB), and the store of unit tests. Nothing survives the
// object. Thread-safe.
#ifndef STREAMTUNE_STORAGE_IN_MEMORY_STORE_H_
#define STREAMTUNE_STORAGE_IN_MEMORY_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "storage/store.h"

namespace streamtune {

class InMemoryStore : public Store {
 public:
  InMemoryStore() = default;
  InMemoryStore(const InMemoryStore&) = delete;
  InMemoryStore& operator=(const InMemoryStore&) = delete;

  absl::Status Ping() override;
  absl::StatusOr<PutSnapshotResult> PutSnapshot(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot) override;
  absl::StatusOr<v1::Recommendation> PutSnapshotAndRecommendation(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot,
      const v1::Recommendation& recommendation,
      const std::optional<FineTuneRequest>& fine_tune = std::nullopt) override;
  absl::StatusOr<std::optional<FineTuneTask>> ClaimFineTune(absl::Duration lease,
                                                            int max_attempts) override;
  absl::StatusOr<v1::Model> CompleteFineTune(const FineTuneTask& task,
                                             const v1::Model& model,
                                             absl::string_view weights) override;
  absl::Status ReleaseFineTune(const FineTuneTask& task, bool retry) override;
  absl::StatusOr<std::vector<v1::StoredSnapshot>> SnapshotsThrough(
      absl::string_view tenant, absl::string_view job_id, int64_t through,
      int limit) override;
  absl::StatusOr<int64_t> TenantStoredBytes(absl::string_view tenant) override;
  absl::StatusOr<std::optional<v1::StoredSnapshot>> FindSnapshot(
      absl::string_view tenant, absl::string_view job_id,
      absl::string_view snapshot_id) override;
  absl::StatusOr<std::optional<v1::Recommendation>> FindRecommendation(
      absl::string_view tenant, absl::string_view job_id,
      absl::string_view snapshot_id) override;
  absl::StatusOr<std::vector<v1::StoredSnapshot>> RecentSnapshots(
      absl::string_view tenant, absl::string_view job_id, int limit) override;
  absl::StatusOr<std::vector<v1::Recommendation>> RecentRecommendations(
      absl::string_view tenant, absl::string_view job_id, int limit) override;
  absl::StatusOr<v1::Job> GetJob(absl::string_view tenant,
                                 absl::string_view job_id) override;
  absl::StatusOr<v1::Model> PutModel(absl::string_view tenant, const v1::Model& model,
                                     absl::string_view weights) override;
  absl::StatusOr<v1::Model> GetModel(absl::string_view tenant,
                                     absl::string_view model_id,
                                     int64_t version) override;
  absl::StatusOr<std::string> GetModelWeights(absl::string_view tenant,
                                              absl::string_view model_id,
                                              int64_t version) override;
  absl::StatusOr<v1::PretrainRun> PutPretrainRun(absl::string_view tenant,
                                                 const v1::PretrainRun& run) override;
  absl::StatusOr<std::optional<v1::PretrainRun>> NewestPretrainRun(
      absl::string_view tenant) override;
  absl::StatusOr<v1::Operation> CreateOperation(
      absl::string_view tenant, const v1::Operation& operation) override;
  absl::StatusOr<v1::Operation> GetOperation(absl::string_view tenant,
                                             absl::string_view name) override;
  absl::StatusOr<v1::Operation> UpdateOperation(
      absl::string_view tenant, const v1::Operation& operation) override;
  absl::StatusOr<v1::Operation> RequestOperationCancel(absl::string_view tenant,
                                                       absl::string_view name) override;
  absl::StatusOr<int> FailStaleOperations(absl::string_view tenant,
                                          absl::Duration max_heartbeat_age,
                                          const v1::OperationError& error) override;
  absl::StatusOr<TokenRecord> PutToken(const TokenRecord& token) override;
  absl::StatusOr<TokenRecord> GetToken(absl::string_view token_id) override;
  absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      absl::string_view tenant) override;
  absl::StatusOr<TokenRecord> RevokeToken(absl::string_view token_id) override;
  absl::StatusOr<TenantQuotaRecord> PutTenantQuota(
      const TenantQuotaRecord& quota) override;
  absl::StatusOr<std::vector<TenantQuotaRecord>> ListTenantQuotas() override;
  absl::Status DeleteTenantQuota(absl::string_view tenant) override;

 protected:
  absl::StatusOr<std::vector<v1::Job>> ListJobsAfter(absl::string_view tenant,
                                                     absl::string_view after_job_id,
                                                     int limit,
                                                     const TimeRange& range) override;
  absl::StatusOr<PageRows<v1::StoredSnapshot>> ListSnapshotsAfter(
      absl::string_view tenant, absl::string_view job_id, int64_t after_sequence,
      int limit, int64_t max_bytes) override;
  absl::StatusOr<PageRows<std::pair<int64_t, v1::Recommendation>>>
  ListRecommendationsAfter(absl::string_view tenant, absl::string_view job_id,
                           int64_t after_sequence, int limit, int64_t max_bytes,
                           const TimeRange& range) override;
  absl::StatusOr<std::vector<v1::Model>> ListModelsBefore(
      absl::string_view tenant, const std::optional<ModelCursor>& before,
      int limit) override;
  absl::StatusOr<std::vector<v1::Operation>> ListOperationsBefore(
      absl::string_view tenant, const std::optional<OperationCursor>& before,
      int limit) override;

 private:
  struct JobState {
    v1::Job summary;
    std::map<std::string, int64_t> sequence_by_id;          // snapshot_id -> sequence
    std::vector<v1::StoredSnapshot> snapshots;              // [sequence - 1]
    std::vector<std::string> fingerprints;                  // [sequence - 1]
    std::map<int64_t, v1::Recommendation> recommendations;  // by sequence
  };
  struct ModelVersion {
    v1::Model model;
    std::string weights;
  };
  // A queued fine-tuning request of one job.
  struct QueuedFineTune {
    FineTuneTask task;         // attempts = claims so far
    int64_t queued_order = 0;  // Oldest first.
    absl::Time claimed_until = absl::InfinitePast();
  };
  struct TenantState {
    std::map<std::string, JobState> jobs;
    std::map<std::string, std::vector<ModelVersion>> models;  // [version - 1]
    std::vector<v1::PretrainRun> pretrain_runs;               // oldest first
    std::map<std::string, v1::Operation> operations;          // by name
    int64_t stored_bytes = 0;  // StoredBytes: kept up to date by Insert.
  };

  // Finds the tenant's job, or nullptr.
  JobState* FindJob(absl::string_view tenant, absl::string_view job_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks `snapshot` against a stored one with its id: the stored sequence
  // if identical, 0 if none, ALREADY_EXISTS if different. Stores nothing.
  absl::StatusOr<int64_t> CheckExisting(absl::string_view tenant,
                                        const v1::StoredSnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores a snapshot known to be new; returns its sequence.
  int64_t Insert(absl::string_view tenant, const v1::StoredSnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The tenant's operation, or nullptr.
  v1::Operation* FindOperation(absl::string_view tenant, absl::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The store's clock in microseconds, strictly increasing from call to
  // call: what it stamps records with.
  int64_t TickMicros() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const ModelVersion* FindModel(absl::string_view tenant, absl::string_view model_id,
                                int64_t version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Stores a model version (PutModel's work).
  v1::Model AddModel(absl::string_view tenant, const v1::Model& model,
                     absl::string_view weights) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, TenantState> tenants_ ABSL_GUARDED_BY(mu_);
  // By (tenant, job id).
  std::map<std::pair<std::string, std::string>, QueuedFineTune> fine_tunes_
      ABSL_GUARDED_BY(mu_);
  int64_t fine_tune_order_ ABSL_GUARDED_BY(mu_) = 0;
  // Keeps the times the store assigns strictly increasing, so "newest
  // first" is the order of the calls (see TickMicros).
  int64_t last_model_micros_ ABSL_GUARDED_BY(mu_) = 0;
  // API tokens in creation order.
  std::vector<TokenRecord> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, TenantQuotaRecord> quotas_ ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_IN_MEMORY_STORE_H_
