// How PostgresStore turns rows into protos (the result columns its queries
// select and their parsers) and the statements several of its methods
// share. Internal to the PostgreSQL store.
#ifndef STREAMTUNE_STORAGE_POSTGRES_ROWS_H_
#define STREAMTUNE_STORAGE_POSTGRES_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/pqxx"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// Result columns. Timestamps come back as exact integer microseconds
// (EXTRACT returns numeric since PostgreSQL 14). Snapshots and answers come
// back as their binary payload, or (rows stored before it existed) as JSON.
inline constexpr char kJobColumns[] =
    "job_id, engine, dag_fingerprint,"
    " (EXTRACT(EPOCH FROM first_observed_at) * 1000000)::int8,"
    " (EXTRACT(EPOCH FROM last_observed_at) * 1000000)::int8,"
    " snapshot_count, recommendation_count, last_policy, cluster_id,"
    " model_version, EXISTS (SELECT 1 FROM fine_tune_queue q"
    " WHERE q.tenant = jobs.tenant AND q.job_id = jobs.job_id)";
inline constexpr char kSnapshotColumns[] =
    "sequence, (EXTRACT(EPOCH FROM received_at) * 1000000)::int8, payload,"
    " CASE WHEN payload IS NULL THEN"
    " jsonb_build_object('snapshot', snapshot, 'labels', labels)::text END";
// What a row weighs against a byte budget: its payload's size, as
// StoredSnapshotBytes / RecommendationBytes (storage/store_util.h) measure
// it; octet_length of a TOASTed payload reads only its header. Rows stored
// before payloads existed weigh their JSON.
inline constexpr char kSnapshotBytes[] =
    "COALESCE(octet_length(payload),"
    " octet_length(snapshot::text) + octet_length(labels::text))";
inline constexpr char kRecommendationBytes[] =
    "COALESCE(octet_length(payload), octet_length(recommendation::text))";
inline constexpr char kRecommendationColumns[] =
    "payload, CASE WHEN payload IS NULL THEN recommendation::text END";
inline constexpr char kModelColumns[] =
    "model_id, version, cluster_id, kind, job_id,"
    " (EXTRACT(EPOCH FROM created_at) * 1000000)::int8,"
    " (details || jsonb_build_object('metrics', metrics))::text";

// A timestamptz parameter (used as $n::timestamptz); RFC 3339 text keeps
// every microsecond, unlike a float epoch.
std::string SqlTimestamp(int64_t micros);

// Parses stored JSON. Unknown fields are skipped so that an older replica
// can read rows a newer one wrote.
absl::Status FromJson(const char* json, absl::string_view what,
                      google::protobuf::Message* message);

// Parsers of the columns above, starting at column `first`.
absl::StatusOr<v1::Job> JobFromRow(const pqxx::row& row);
absl::StatusOr<v1::StoredSnapshot> SnapshotFromRow(const pqxx::row& row, int first = 0);
absl::StatusOr<v1::Recommendation> RecommendationFromRow(const pqxx::row& row,
                                                         int first = 0);
absl::StatusOr<v1::Model> ModelFromRow(const pqxx::row& row, int first = 0);

inline constexpr char kPretrainRunColumns[] =
    "run_id, (EXTRACT(EPOCH FROM published_at) * 1000000)::int8, models";
absl::StatusOr<v1::PretrainRun> PretrainRunFromFields(
    const pqxx::field& run_id, const pqxx::field& published_micros,
    const pqxx::field& models);

// The binary form stored in a payload column.
pqxx::binarystring Payload(const google::protobuf::Message& message);
// What a snapshot's payload holds: the snapshot and its labels (its
// sequence and received_at have columns of their own).
v1::StoredSnapshot SnapshotPayload(const v1::StoredSnapshot& snapshot);
// A JSON object whose "labels" (absent when there are none) is the labels
// column's value: use as COALESCE(($n::jsonb)->'labels', '[]'::jsonb).
std::string LabelsJson(const v1::StoredSnapshot& snapshot);

absl::Status JobNotFound(absl::string_view job_id);

// Stores a new version of `model` (version = newest + 1, created_at now)
// inside `txn`; returns the stored metadata.
absl::StatusOr<v1::Model> InsertModelVersion(pqxx::work& txn, const std::string& tenant,
                                             const v1::Model& model,
                                             absl::string_view weights);

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_POSTGRES_ROWS_H_
