// PostgresStore: the production Store, on PostgreSQL through libpqxx with a
// bounded connection pool. Create() applies the schema migrations, so any
// number of replicas may start against one database at once. Every libpqxx
// exception stops here and becomes an absl::Status whose message never
// contains SQL. Thread-safe.
#ifndef STREAMTUNE_STORAGE_POSTGRES_STORE_H_
#define STREAMTUNE_STORAGE_POSTGRES_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "storage/store.h"
#include "storage/store_observer.h"

namespace streamtune {

class PostgresPool;

struct PostgresStoreOptions {
  // libpq URL, e.g. "postgresql://postgres@127.0.0.1:5432/streamtune", or a
  // key=value connection string.
  std::string database_url;
  // Connections open at most; concurrent calls beyond this wait their turn.
  int pool_size = 8;
  // Longest wait to open a connection (libpq connect_timeout, whole seconds).
  absl::Duration connect_timeout = absl::Seconds(10);
  // Longest wait for a free pooled connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(10);
  // Told about every transaction and connection wait (metrics); may be null.
  // Borrowed: must outlive the store.
  StoreObserver* observer = nullptr;
};

class PostgresStore : public Store {
 public:
  // Connects and migrates the schema. UNAVAILABLE when the database cannot be
  // reached, INTERNAL when a migration fails.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Create(
      const PostgresStoreOptions& options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // The connection pool's occupancy right now.
  PoolStats pool_stats();

  absl::Status Ping() override;
  absl::StatusOr<PutSnapshotResult> PutSnapshot(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot) override;
  // The decision path (storage/postgres_decisions.cc): one statement each.
  absl::StatusOr<v1::Recommendation> PutSnapshotAndRecommendation(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot,
      const v1::Recommendation& recommendation,
      const std::optional<FineTuneRequest>& fine_tune = std::nullopt) override;
  absl::StatusOr<DecisionInputs> LoadDecisionInputs(
      absl::string_view tenant, const DecisionReadRequest& request) override;
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
  // Operations: postgres_operations.cc.
  absl::StatusOr<TokenRecord> PutToken(const TokenRecord& token) override;
  absl::StatusOr<TokenRecord> GetToken(absl::string_view token_id) override;
  absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      absl::string_view tenant) override;
  absl::StatusOr<TokenRecord> RevokeToken(absl::string_view token_id) override;
  absl::StatusOr<TenantQuotaRecord> PutTenantQuota(
      const TenantQuotaRecord& quota) override;
  absl::StatusOr<std::vector<TenantQuotaRecord>> ListTenantQuotas() override;
  absl::Status DeleteTenantQuota(absl::string_view tenant) override;
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
  explicit PostgresStore(std::unique_ptr<PostgresPool> pool);

  std::unique_ptr<PostgresPool> pool_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_POSTGRES_STORE_H_
