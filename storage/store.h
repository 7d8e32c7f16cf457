// Store: the only place StreamTune keeps state. Every record is keyed by
// (tenant, job id), so replicas of the stateless server share nothing but
// the store, and a sharded PostgreSQL can split by tenant.
//
// Implementations: PostgresStore (storage/postgres_store.h) for production,
// InMemoryStore (storage/in_memory_store.h) for unit tests. Both pass the
// same conformance suite (storage/store_conformance.h).
#ifndef STREAMTUNE_STORAGE_STORE_H_
#define STREAMTUNE_STORAGE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/decision_records.h"
#include "storage/quota_records.h"
#include "storage/token_records.h"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// One page of a listing. `next_page_token` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// Bytes of snapshots or answers a listing page holds at most (unless its
// first item alone is larger: a page always makes progress). 3 MiB keeps a
// page, with its per-item fields, under gRPC clients' default 4 MiB receive
// limit, and a replica's memory per listing call bounded.
inline constexpr int64_t kDefaultPageBytes = int64_t{3} << 20;

// A validated page request: 1 <= page_size <= 1000; page_token is empty or a
// token returned by the same listing (anything else is INVALID_ARGUMENT
// "page_token: malformed"). ListSnapshots and ListRecommendations end a page
// early, with a next_page_token, before the item that would take it over
// `max_bytes` (StoredSnapshotBytes / RecommendationBytes, storage/store_util.h).
struct PageRequest {
  int32_t page_size = 100;
  std::string page_token;
  int64_t max_bytes = kDefaultPageBytes;
};

// What a byte-bounded listing asks of an implementation: the page's items
// and whether any item follows them.
template <typename T>
struct PageRows {
  std::vector<T> items;
  bool more = false;
};

// An optional time window [start, end) in microseconds since the Unix epoch;
// an unset bound is open. A store compares stored timestamps (microsecond
// precision) with it.
struct TimeRange {
  std::optional<int64_t> start_micros;
  std::optional<int64_t> end_micros;

  bool Contains(int64_t micros) const {
    return (!start_micros || micros >= *start_micros) &&
           (!end_micros || micros < *end_micros);
  }
  // Whether the closed span [first, last] has a point in the range.
  bool Overlaps(int64_t first, int64_t last) const {
    return (!start_micros || last >= *start_micros) &&
           (!end_micros || first < *end_micros);
  }
};

struct PutSnapshotResult {
  // False when an identical snapshot was already stored under this id.
  bool stored = false;
  // Position in the job's history: 1 for the first snapshot, then 2, ...
  int64_t sequence = 0;
};

// Thread-safe: every method may be called concurrently from many threads.
// Errors: UNAVAILABLE when the backing database cannot be reached (the call
// may be retried), INTERNAL for anything unexpected, and the codes listed
// per method. Messages never contain SQL.
class Store {
 public:
  virtual ~Store() = default;

  // OK when the store answers queries.
  virtual absl::Status Ping() = 0;

  // Stores `snapshot` (its `snapshot`, `labels`; `sequence` and `received_at`
  // are assigned by the store) and creates or updates the job summary.
  // Idempotent on (tenant, job_id, snapshot_id): an identical snapshot (same
  // SnapshotFingerprint) already stored returns stored=false with the original
  // sequence; a different one under the same id is ALREADY_EXISTS.
  virtual absl::StatusOr<PutSnapshotResult> PutSnapshot(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot) = 0;

  // Stores the snapshot (as PutSnapshot, if not yet stored), the
  // recommendation computed from it, the job's cluster and model version
  // (when the recommendation names a cluster) and the fine-tuning request
  // (if any) in one transaction: all or nothing. If a recommendation for
  // (tenant, job_id, snapshot_id) exists already, nothing is written and the
  // stored recommendation is returned; otherwise `recommendation` is returned
  // as stored. ALREADY_EXISTS as PutSnapshot. A queued request of the same
  // job is replaced (its generation bumped, its attempts reset).
  virtual absl::StatusOr<v1::Recommendation> PutSnapshotAndRecommendation(
      absl::string_view tenant, const v1::StoredSnapshot& snapshot,
      const v1::Recommendation& recommendation,
      const std::optional<FineTuneRequest>& fine_tune = std::nullopt) = 0;

  // Everything a decision on snapshot `request.snapshot_id` of the job reads
  // (see DecisionInputs), as one consistent read: PostgresStore answers it
  // with one statement. This default composes the methods below.
  virtual absl::StatusOr<DecisionInputs> LoadDecisionInputs(
      absl::string_view tenant, const DecisionReadRequest& request);

  // The fine-tuning queue (docs/architecture.md, "Fine-tuning"). Claims the
  // oldest request of any tenant that is unclaimed, or whose claim's lease
  // ran out (its replica died), and has failed fewer than `max_attempts`
  // times; the claim holds for `lease`. nullopt when there is none.
  virtual absl::StatusOr<std::optional<FineTuneTask>> ClaimFineTune(
      absl::Duration lease, int max_attempts) = 0;
  // Stores the fine-tuned model (as PutModel) and, in the same transaction,
  // removes the task from the queue, unless the job asked again since the
  // claim (a newer generation), which then stays queued, unclaimed.
  virtual absl::StatusOr<v1::Model> CompleteFineTune(const FineTuneTask& task,
                                                     const v1::Model& model,
                                                     absl::string_view weights) = 0;
  // Gives a claimed task back after a failure: with `retry`, claimable again
  // at once; without, removed from the queue (unless the job asked again
  // since the claim: then the newer request stays queued, unclaimed).
  virtual absl::Status ReleaseFineTune(const FineTuneTask& task, bool retry) = 0;
  // The job's `limit` most recent snapshots with sequence <= `through`,
  // oldest first (what a fine-tuning task trains on).
  virtual absl::StatusOr<std::vector<v1::StoredSnapshot>> SnapshotsThrough(
      absl::string_view tenant, absl::string_view job_id, int64_t through,
      int limit) = 0;

  // Bytes of all the tenant's stored snapshots (StoredSnapshotBytes of each,
  // storage/store_util.h): what the stored-bytes quota counts
  // (docs/operations.md, "Quotas"). 0 for a tenant with none.
  virtual absl::StatusOr<int64_t> TenantStoredBytes(absl::string_view tenant) = 0;

  // The stored snapshot / recommendation for the key, or nullopt.
  virtual absl::StatusOr<std::optional<v1::StoredSnapshot>> FindSnapshot(
      absl::string_view tenant, absl::string_view job_id,
      absl::string_view snapshot_id) = 0;
  virtual absl::StatusOr<std::optional<v1::Recommendation>> FindRecommendation(
      absl::string_view tenant, absl::string_view job_id,
      absl::string_view snapshot_id) = 0;

  // The job's `limit` most recent snapshots / recommendations, oldest first
  // (the history a policy sees). Empty for an unknown job.
  virtual absl::StatusOr<std::vector<v1::StoredSnapshot>> RecentSnapshots(
      absl::string_view tenant, absl::string_view job_id, int limit) = 0;
  virtual absl::StatusOr<std::vector<v1::Recommendation>> RecentRecommendations(
      absl::string_view tenant, absl::string_view job_id, int limit) = 0;

  // Job summary (fine_tune_pending: the job's model is queued for
  // fine-tuning); NOT_FOUND when the tenant has no such job.
  virtual absl::StatusOr<v1::Job> GetJob(absl::string_view tenant,
                                         absl::string_view job_id) = 0;
  // Listings. Each validates `page` (INVALID_ARGUMENT naming page_size or
  // page_token), asks the implementation for one item more than the page
  // holds (which tells whether another page follows) and encodes the next
  // page token, so every implementation pages identically.
  //
  // The tenant's jobs ordered by job id: those whose observed span
  // [first_observed_at, last_observed_at] overlaps `range`.
  absl::StatusOr<Page<v1::Job>> ListJobs(absl::string_view tenant,
                                         const PageRequest& page,
                                         const TimeRange& range = TimeRange());
  // A job's snapshots, oldest first. NOT_FOUND when the tenant has no such
  // job.
  absl::StatusOr<Page<v1::StoredSnapshot>> ListSnapshots(absl::string_view tenant,
                                                         absl::string_view job_id,
                                                         const PageRequest& page);
  // A job's recommendations whose created_at is in `range`, oldest first.
  // NOT_FOUND when the tenant has no such job.
  absl::StatusOr<Page<v1::Recommendation>> ListRecommendations(
      absl::string_view tenant, absl::string_view job_id, const PageRequest& page,
      const TimeRange& range = TimeRange());
  // Models of the tenant, newest first (by created_at, then id, version).
  absl::StatusOr<Page<v1::Model>> ListModels(absl::string_view tenant,
                                             const PageRequest& page);

  // Stores a new immutable version of model `model.model_id` (the store
  // assigns version = previous newest + 1, and created_at) with its opaque
  // `weights`. Returns the stored metadata.
  virtual absl::StatusOr<v1::Model> PutModel(absl::string_view tenant,
                                             const v1::Model& model,
                                             absl::string_view weights) = 0;
  // One version's metadata; version 0 = newest. NOT_FOUND when absent.
  virtual absl::StatusOr<v1::Model> GetModel(absl::string_view tenant,
                                             absl::string_view model_id,
                                             int64_t version) = 0;
  // One version's weights; version 0 = newest. NOT_FOUND when absent.
  virtual absl::StatusOr<std::string> GetModelWeights(absl::string_view tenant,
                                                      absl::string_view model_id,
                                                      int64_t version) = 0;

  // Publishes a finished pre-training run (its models already stored with
  // PutModel); the newest published run is the one StreamTune uses. Runs are
  // kept, never replaced. The store assigns published_at. INVALID_ARGUMENT
  // for an empty run_id.
  virtual absl::StatusOr<v1::PretrainRun> PutPretrainRun(
      absl::string_view tenant, const v1::PretrainRun& run) = 0;
  // The tenant's most recently published run, or nullopt before the first.
  virtual absl::StatusOr<std::optional<v1::PretrainRun>> NewestPretrainRun(
      absl::string_view tenant) = 0;

  // Pre-training operations (docs/operations.md "Pre-training operations").
  // The store owns create_time, update_time (the runner's heartbeat, set on
  // every write) and cancel_requested; the runner owns the rest.
  //
  // Stores a new running operation. INVALID_ARGUMENT without a name,
  // ALREADY_EXISTS when the tenant has one by that name.
  virtual absl::StatusOr<v1::Operation> CreateOperation(
      absl::string_view tenant, const v1::Operation& operation) = 0;
  // NOT_FOUND when the tenant has no such operation.
  virtual absl::StatusOr<v1::Operation> GetOperation(absl::string_view tenant,
                                                     absl::string_view name) = 0;
  // The runner's write: replaces metadata, done, state and result, and
  // refreshes update_time. Returns the stored operation, whose
  // cancel_requested tells the runner to stop. FAILED_PRECONDITION when the
  // stored operation is done already (e.g. failed for a stale heartbeat):
  // nothing is written. NOT_FOUND when absent.
  virtual absl::StatusOr<v1::Operation> UpdateOperation(
      absl::string_view tenant, const v1::Operation& operation) = 0;
  // Sets cancel_requested on a running operation and returns it; a done one
  // is returned unchanged. NOT_FOUND when absent.
  virtual absl::StatusOr<v1::Operation> RequestOperationCancel(
      absl::string_view tenant, absl::string_view name) = 0;
  // Ends the tenant's (every tenant's when `tenant` is empty) running
  // operations whose update_time is more than `max_heartbeat_age` old (by
  // the store's clock) as FAILED with `error`. Returns how many it ended.
  virtual absl::StatusOr<int> FailStaleOperations(absl::string_view tenant,
                                                  absl::Duration max_heartbeat_age,
                                                  const v1::OperationError& error) = 0;
  // The tenant's operations, newest first (by create_time, then name).
  absl::StatusOr<Page<v1::Operation>> ListOperations(absl::string_view tenant,
                                                     const PageRequest& page);

  // API tokens (docs/operations.md, "Security"). Not scoped by the caller's
  // tenant: a call's tenant is what its token says, so the token is read
  // before any tenant is known. PutToken stores `token` (created_at is set
  // here); ALREADY_EXISTS for a token_id in use, INVALID_ARGUMENT for a bad
  // tenant, role or digest.
  virtual absl::StatusOr<TokenRecord> PutToken(const TokenRecord& token) = 0;
  // NOT_FOUND for an unknown id (revoked tokens are found, with revoked_at).
  virtual absl::StatusOr<TokenRecord> GetToken(absl::string_view token_id) = 0;
  // Every token of `tenant` (all tenants when empty), oldest first.
  virtual absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      absl::string_view tenant) = 0;
  // Marks the token revoked (a second revocation keeps the first time).
  // NOT_FOUND for an unknown id.
  virtual absl::StatusOr<TokenRecord> RevokeToken(absl::string_view token_id) = 0;

  // Per-tenant quota overrides (docs/operations.md, "Quotas"): configuration
  // an admin sets for any tenant and every replica reads in full, so not
  // scoped by a caller's tenant. PutTenantQuota replaces the tenant's
  // override (updated_at is set here); INVALID_ARGUMENT for a bad tenant or
  // a negative limit, or a burst below 1.
  virtual absl::StatusOr<TenantQuotaRecord> PutTenantQuota(
      const TenantQuotaRecord& quota) = 0;
  // Every override, by tenant.
  virtual absl::StatusOr<std::vector<TenantQuotaRecord>> ListTenantQuotas() = 0;
  // Removes the tenant's override (it falls back to the flags). NOT_FOUND
  // when it has none.
  virtual absl::Status DeleteTenantQuota(absl::string_view tenant) = 0;

 protected:
  // What the listings above ask of an implementation: at most `limit` items
  // strictly after the cursor, in the listing's order. The front methods
  // have validated the page and decoded the cursor.
  virtual absl::StatusOr<std::vector<v1::Job>> ListJobsAfter(
      absl::string_view tenant, absl::string_view after_job_id, int limit,
      const TimeRange& range) = 0;
  // NOT_FOUND when the tenant has no such job (also for the next two).
  // The next two return at most `limit` items, fewer when the next item
  // would take the items' bytes over `max_bytes` (the first is always
  // returned), and whether more follow.
  virtual absl::StatusOr<PageRows<v1::StoredSnapshot>> ListSnapshotsAfter(
      absl::string_view tenant, absl::string_view job_id, int64_t after_sequence,
      int limit, int64_t max_bytes) = 0;
  // Each recommendation with the sequence of the snapshot it answered.
  virtual absl::StatusOr<PageRows<std::pair<int64_t, v1::Recommendation>>>
  ListRecommendationsAfter(absl::string_view tenant, absl::string_view job_id,
                           int64_t after_sequence, int limit, int64_t max_bytes,
                           const TimeRange& range) = 0;
  // Where a page of models resumes: strictly below this key in the
  // newest-first order (created_at, model_id, version).
  struct ModelCursor {
    int64_t created_micros = 0;
    std::string model_id;
    int64_t version = 0;
  };
  // `before` is nullopt for the first page.
  virtual absl::StatusOr<std::vector<v1::Model>> ListModelsBefore(
      absl::string_view tenant, const std::optional<ModelCursor>& before,
      int limit) = 0;
  // Where a page of operations resumes: strictly below this key in the
  // newest-first order (create_time, name); nullopt for the first page.
  struct OperationCursor {
    int64_t created_micros = 0;
    std::string name;
  };
  virtual absl::StatusOr<std::vector<v1::Operation>> ListOperationsBefore(
      absl::string_view tenant, const std::optional<OperationCursor>& before,
      int limit) = 0;
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_STORE_H_
