// Input checks and canonical forms shared by every Store implementation, so
// that the PostgreSQL store and its in-memory model agree to the bit (for
// example, both keep timestamps the store assigns with microsecond precision,
// as PostgreSQL's timestamptz does). Thread-safe: free functions.
#ifndef STREAMTUNE_STORAGE_STORE_UTIL_H_
#define STREAMTUNE_STORAGE_STORE_UTIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "google/protobuf/timestamp.pb.h"
#include "storage/decision_records.h"
#include "storage/quota_records.h"
#include "storage/token_records.h"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// What a stored snapshot weighs against a byte budget (the decision read's
// history, a listing page): the size of its binary payload, the snapshot
// and its labels, as PostgresStore stores it (octet_length(payload)).
int64_t StoredSnapshotBytes(const v1::StoredSnapshot& snapshot);
// The same for a stored answer: its binary size.
int64_t RecommendationBytes(const v1::Recommendation& recommendation);

// INVALID_ARGUMENT when the snapshot's job_id or snapshot_id is empty.
absl::Status ValidateSnapshotKey(const v1::StoredSnapshot& snapshot);

// The recommendation as a store keeps it: job_id and snapshot_id filled in
// from `snapshot` (INVALID_ARGUMENT if set to something else), created_at set
// to `now` when unset, and truncated to microseconds.
absl::StatusOr<v1::Recommendation> CanonicalRecommendation(
    const v1::StoredSnapshot& snapshot, const v1::Recommendation& recommendation,
    const google::protobuf::Timestamp& now);

// INVALID_ARGUMENT when model.model_id is empty.
absl::Status ValidateModel(const v1::Model& model);

// INVALID_ARGUMENT when run.run_id is empty.
absl::Status ValidatePretrainRun(const v1::PretrainRun& run);

// INVALID_ARGUMENT unless the request names a cluster model version.
absl::Status ValidateFineTuneRequest(const FineTuneRequest& request);

// INVALID_ARGUMENT when operation.name is empty.
absl::Status ValidateOperation(const v1::Operation& operation);

// INVALID_ARGUMENT naming the field: token_id of 8 to 32 characters of
// [a-z0-9], a valid tenant, role "tenant" or "admin", a 64-hex-digit digest.
absl::Status ValidateToken(const TokenRecord& token);
// INVALID_ARGUMENT "quota.<field>: ..." for PutTenantQuota's rules.
absl::Status ValidateTenantQuota(const TenantQuotaRecord& quota);

// NOT_FOUND "token_id: no token ...".
absl::Status TokenNotFound(absl::string_view token_id);
// NOT_FOUND "tenant: ... has no quota override".
absl::Status TenantQuotaNotFound(absl::string_view tenant);

// NOT_FOUND "name: no operation ..." / FAILED_PRECONDITION "... is done".
absl::Status OperationNotFound(absl::string_view name);
absl::Status OperationAlreadyDone(absl::string_view name);

// The runner's part of `update` (metadata, done, state, result) copied onto
// `stored`; the store's part (create_time, update_time, cancel_requested,
// request) is kept.
void ApplyRunnerUpdate(const v1::Operation& update, v1::Operation* stored);

// `stored` ended as FAILED with `error` (a stale heartbeat).
void FailOperation(const v1::OperationError& error, v1::Operation* stored);

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_STORE_UTIL_H_
