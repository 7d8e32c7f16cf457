#include "storage/postgres_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/proto_json.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "pqxx/pqxx"
#include "storage/migrations.h"
#include "storage/page_token.h"
#include "storage/postgres_pool.h"
#include "storage/postgres_transaction.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// Result columns. Timestamps come back as exact integer microseconds
// (EXTRACT returns numeric since PostgreSQL 14); JSONB columns come back
// wrapped so that one proto JSON parse restores them.
constexpr char kJobColumns[] =
    "job_id, engine, dag_fingerprint,"
    " (EXTRACT(EPOCH FROM first_observed_at) * 1000000)::int8,"
    " (EXTRACT(EPOCH FROM last_observed_at) * 1000000)::int8,"
    " snapshot_count, recommendation_count, last_policy, cluster_id,"
    " model_version";
constexpr char kSnapshotColumns[] =
    "sequence, (EXTRACT(EPOCH FROM received_at) * 1000000)::int8,"
    " jsonb_build_object('snapshot', snapshot, 'labels', labels)::text";
constexpr char kModelColumns[] =
    "model_id, version, cluster_id, kind, job_id,"
    " (EXTRACT(EPOCH FROM created_at) * 1000000)::int8,"
    " (details || jsonb_build_object('metrics', metrics))::text";

// A timestamptz parameter (used as $n::timestamptz); RFC 3339 text keeps
// every microsecond, unlike a float epoch.
std::string SqlTimestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::ToString(FromUnixMicros(micros));
}

// Parses stored JSON. Unknown fields are skipped so that an older replica
// can read rows a newer one wrote.
absl::Status FromJson(const char* json, absl::string_view what,
                      google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json, message, options).ok()) {
    return absl::InternalError(
        absl::StrCat("postgres: stored ", what, " does not parse"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> JobFromRow(const pqxx::row& row) {
  v1::Job job;
  job.set_job_id(row[0].as<std::string>());
  job.set_engine(static_cast<v1::Engine>(row[1].as<int>()));
  job.set_dag_fingerprint(row[2].as<std::string>());
  *job.mutable_first_observed_at() = FromUnixMicros(row[3].as<int64_t>());
  *job.mutable_last_observed_at() = FromUnixMicros(row[4].as<int64_t>());
  job.set_snapshot_count(row[5].as<int64_t>());
  job.set_recommendation_count(row[6].as<int64_t>());
  job.set_last_policy(row[7].as<std::string>());
  job.set_cluster_id(row[8].as<std::string>());
  job.set_model_version(row[9].as<int64_t>());
  return job;
}

absl::StatusOr<v1::StoredSnapshot> SnapshotFromRow(const pqxx::row& row) {
  v1::StoredSnapshot snapshot;
  STREAMTUNE_RETURN_IF_ERROR(FromJson(row[2].c_str(), "snapshot", &snapshot));
  snapshot.set_sequence(row[0].as<int64_t>());
  *snapshot.mutable_received_at() = FromUnixMicros(row[1].as<int64_t>());
  return snapshot;
}

absl::StatusOr<v1::Recommendation> RecommendationFromField(const pqxx::field& field) {
  v1::Recommendation recommendation;
  STREAMTUNE_RETURN_IF_ERROR(
      FromJson(field.c_str(), "recommendation", &recommendation));
  return recommendation;
}

absl::StatusOr<v1::Model> ModelFromRow(const pqxx::row& row) {
  v1::Model model;
  STREAMTUNE_RETURN_IF_ERROR(FromJson(row[6].c_str(), "model", &model));
  model.set_model_id(row[0].as<std::string>());
  model.set_version(row[1].as<int64_t>());
  model.set_cluster_id(row[2].as<std::string>());
  model.set_kind(row[3].as<std::string>());
  model.set_job_id(row[4].as<std::string>());
  *model.mutable_created_at() = FromUnixMicros(row[5].as<int64_t>());
  return model;
}

absl::Status JobNotFound(absl::string_view job_id) {
  return absl::NotFoundError(absl::StrCat("job_id: no job \"", job_id, "\""));
}

// SQL parameters for an optional bound: ($n::bool "unbounded", $n+1 the
// bound as timestamptz), used as "($n OR column >= $n+1::timestamptz)".
std::pair<bool, std::string> Bound(const std::optional<int64_t>& micros) {
  return {!micros.has_value(), SqlTimestamp(micros.value_or(0))};
}

// Locks the job row (creating the job if needed) and stores the snapshot
// unless an identical one is stored. Holding the row lock until commit makes
// concurrent writers to one job take turns, so sequences are 1, 2, 3, ...
absl::StatusOr<PutSnapshotResult> LockJobAndPutSnapshot(
    pqxx::work& txn, const std::string& tenant, const v1::StoredSnapshot& snapshot) {
  const v1::Snapshot& s = snapshot.snapshot();
  const std::string observed = SqlTimestamp(ToUnixMicros(s.observed_at()));
  const std::string dag = DagFingerprint(s);
  const int engine = static_cast<int>(s.engine());
  constexpr char kLockJob[] =
      "SELECT snapshot_count FROM jobs WHERE tenant = $1 AND job_id = $2"
      " FOR UPDATE";
  pqxx::result job = txn.exec_params(kLockJob, tenant, s.job_id());
  if (job.empty()) {
    txn.exec_params(
        "INSERT INTO jobs (tenant, job_id, engine, dag_fingerprint,"
        " first_observed_at, last_observed_at)"
        " VALUES ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz)"
        " ON CONFLICT (tenant, job_id) DO NOTHING",
        tenant, s.job_id(), engine, dag, observed);
    job = txn.exec_params(kLockJob, tenant, s.job_id());
  }
  // A separate statement after the lock: it sees every snapshot committed
  // by the writer we may have waited for.
  pqxx::result existing = txn.exec_params(
      "SELECT sequence, fingerprint FROM snapshots"
      " WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3",
      tenant, s.job_id(), s.snapshot_id());
  const std::string fingerprint = SnapshotFingerprint(s);
  if (!existing.empty()) {
    if (existing[0][1].as<std::string>() != fingerprint) {
      return absl::AlreadyExistsError(
          absl::StrCat("snapshot.snapshot_id: \"", s.snapshot_id(),
                       "\" is already stored with different content"));
    }
    return PutSnapshotResult{false, existing[0][0].as<int64_t>()};
  }
  const int64_t sequence = job.at(0)[0].as<int64_t>() + 1;
  v1::StoredSnapshot labels_only;
  *labels_only.mutable_labels() = snapshot.labels();
  txn.exec_params(
      "INSERT INTO snapshots (tenant, job_id, snapshot_id, sequence,"
      " fingerprint, observed_at, received_at, snapshot, labels)"
      " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, clock_timestamp(),"
      " $7::jsonb, COALESCE(($8::jsonb)->'labels', '[]'::jsonb))",
      tenant, s.job_id(), s.snapshot_id(), sequence, fingerprint, observed, ToJson(s),
      ToJson(labels_only));
  txn.exec_params(
      "UPDATE jobs SET engine = $3, dag_fingerprint = $4,"
      " first_observed_at = LEAST(first_observed_at, $5::timestamptz),"
      " last_observed_at = GREATEST(last_observed_at, $5::timestamptz),"
      " snapshot_count = $6 WHERE tenant = $1 AND job_id = $2",
      tenant, s.job_id(), engine, dag, observed, sequence);
  return PutSnapshotResult{true, sequence};
}

absl::StatusOr<std::optional<v1::Recommendation>> ReadRecommendation(
    pqxx::work& txn, const std::string& tenant, const std::string& job_id,
    const std::string& snapshot_id) {
  pqxx::result r = txn.exec_params(
      "SELECT recommendation::text FROM recommendations"
      " WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3",
      tenant, job_id, snapshot_id);
  if (r.empty()) return std::nullopt;
  return RecommendationFromField(r[0][0]);
}

absl::Status CheckJobExists(pqxx::work& txn, const std::string& tenant,
                            const std::string& job_id) {
  if (txn.exec_params("SELECT 1 FROM jobs WHERE tenant = $1 AND job_id = $2", tenant,
                      job_id)
          .empty()) {
    return JobNotFound(job_id);
  }
  return absl::OkStatus();
}

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<PostgresPool> pool)
    : pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Create(
    const PostgresStoreOptions& options) {
  PostgresPoolOptions pool_options;
  pool_options.url = options.database_url;
  pool_options.size = options.pool_size;
  pool_options.connect_timeout = options.connect_timeout;
  pool_options.acquire_timeout = options.acquire_timeout;
  pool_options.observer = options.observer;
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<PostgresPool> pool,
                              PostgresPool::Create(pool_options));
  {
    STREAMTUNE_ASSIGN_OR_RETURN(PostgresPool::Lease lease, pool->Borrow());
    absl::Status migrated = ApplyMigrations(lease.connection());
    if (absl::IsUnavailable(migrated)) lease.MarkBroken();
    STREAMTUNE_RETURN_IF_ERROR(migrated);
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool)));
}

PoolStats PostgresStore::pool_stats() { return pool_->Stats(); }

absl::Status PostgresStore::Ping() {
  return InTransaction(*pool_, "ping", [](pqxx::work& txn) {
    txn.exec("SELECT 1");
    return absl::OkStatus();
  });
}

absl::StatusOr<PutSnapshotResult> PostgresStore::PutSnapshot(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateSnapshotKey(snapshot));
  return InTransaction(*pool_, "PutSnapshot", [&](pqxx::work& txn) {
    return LockJobAndPutSnapshot(txn, std::string(tenant), snapshot);
  });
}

absl::StatusOr<v1::Recommendation> PostgresStore::PutSnapshotAndRecommendation(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot,
    const v1::Recommendation& recommendation) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateSnapshotKey(snapshot));
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::Recommendation canonical,
      CanonicalRecommendation(snapshot, recommendation, NowMicros()));
  const std::string t(tenant);
  const std::string& job_id = canonical.job_id();
  const std::string& snapshot_id = canonical.snapshot_id();
  return InTransaction(
      *pool_, "PutSnapshotAndRecommendation",
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Recommendation> {
        STREAMTUNE_ASSIGN_OR_RETURN(PutSnapshotResult put,
                                    LockJobAndPutSnapshot(txn, t, snapshot));
        if (!put.stored) {
          STREAMTUNE_ASSIGN_OR_RETURN(auto stored,
                                      ReadRecommendation(txn, t, job_id, snapshot_id));
          if (stored.has_value()) return *std::move(stored);
        }
        pqxx::result inserted = txn.exec_params(
            "INSERT INTO recommendations (tenant, job_id, snapshot_id,"
            " sequence, policy, created_at, recommendation)"
            " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::jsonb)"
            " ON CONFLICT (tenant, job_id, snapshot_id) DO NOTHING"
            " RETURNING 1",
            t, job_id, snapshot_id, put.sequence, canonical.policy(),
            SqlTimestamp(ToUnixMicros(canonical.created_at())), ToJson(canonical));
        if (inserted.empty()) {  // a concurrent retry won: return its answer
          STREAMTUNE_ASSIGN_OR_RETURN(auto stored,
                                      ReadRecommendation(txn, t, job_id, snapshot_id));
          if (!stored.has_value()) {
            return absl::InternalError("postgres: recommendation vanished");
          }
          return *std::move(stored);
        }
        txn.exec_params(
            "UPDATE jobs SET recommendation_count = recommendation_count + 1,"
            " last_policy = $3 WHERE tenant = $1 AND job_id = $2",
            t, job_id, canonical.policy());
        return canonical;
      });
}

absl::StatusOr<std::optional<v1::StoredSnapshot>> PostgresStore::FindSnapshot(
    absl::string_view tenant, absl::string_view job_id, absl::string_view snapshot_id) {
  return InTransaction(
      *pool_, "FindSnapshot",
      [&](pqxx::work& txn) -> absl::StatusOr<std::optional<v1::StoredSnapshot>> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kSnapshotColumns, " FROM snapshots",
                         " WHERE tenant = $1 AND job_id = $2", " AND snapshot_id = $3"),
            std::string(tenant), std::string(job_id), std::string(snapshot_id));
        if (r.empty()) return std::nullopt;
        return SnapshotFromRow(r[0]);
      });
}

absl::StatusOr<std::optional<v1::Recommendation>> PostgresStore::FindRecommendation(
    absl::string_view tenant, absl::string_view job_id, absl::string_view snapshot_id) {
  return InTransaction(*pool_, "FindRecommendation", [&](pqxx::work& txn) {
    return ReadRecommendation(txn, std::string(tenant), std::string(job_id),
                              std::string(snapshot_id));
  });
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> PostgresStore::RecentSnapshots(
    absl::string_view tenant, absl::string_view job_id, int limit) {
  return InTransaction(
      *pool_, "RecentSnapshots",
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::StoredSnapshot>> {
        std::vector<v1::StoredSnapshot> out;
        if (limit <= 0) return out;
        pqxx::result r =
            txn.exec_params(absl::StrCat("SELECT ", kSnapshotColumns, " FROM snapshots",
                                         " WHERE tenant = $1 AND job_id = $2",
                                         " ORDER BY sequence DESC LIMIT $3"),
                            std::string(tenant), std::string(job_id), limit);
        for (auto row = r.rbegin(); row != r.rend(); ++row) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), SnapshotFromRow(*row));
        }
        return out;
      });
}

absl::StatusOr<std::vector<v1::Recommendation>> PostgresStore::RecentRecommendations(
    absl::string_view tenant, absl::string_view job_id, int limit) {
  return InTransaction(
      *pool_, "RecentRecommendations",
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Recommendation>> {
        std::vector<v1::Recommendation> out;
        if (limit <= 0) return out;
        pqxx::result r = txn.exec_params(
            "SELECT recommendation::text FROM recommendations"
            " WHERE tenant = $1 AND job_id = $2"
            " ORDER BY sequence DESC LIMIT $3",
            std::string(tenant), std::string(job_id), limit);
        for (auto row = r.rbegin(); row != r.rend(); ++row) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(),
                                      RecommendationFromField((*row)[0]));
        }
        return out;
      });
}

absl::StatusOr<v1::Job> PostgresStore::GetJob(absl::string_view tenant,
                                              absl::string_view job_id) {
  return InTransaction(
      *pool_, "GetJob", [&](pqxx::work& txn) -> absl::StatusOr<v1::Job> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kJobColumns,
                         " FROM jobs WHERE tenant = $1 AND job_id = $2"),
            std::string(tenant), std::string(job_id));
        if (r.empty()) return JobNotFound(job_id);
        return JobFromRow(r[0]);
      });
}

absl::StatusOr<std::vector<v1::Job>> PostgresStore::ListJobsAfter(
    absl::string_view tenant, absl::string_view after_job_id, int limit,
    const TimeRange& range) {
  const std::pair<bool, std::string> start = Bound(range.start_micros);
  const std::pair<bool, std::string> end = Bound(range.end_micros);
  return InTransaction(
      *pool_, "ListJobs", [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Job>> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kJobColumns, " FROM jobs",
                         " WHERE tenant = $1 AND job_id > $2",
                         " AND ($4::bool OR last_observed_at >= $5::timestamptz)",
                         " AND ($6::bool OR first_observed_at < $7::timestamptz)",
                         " ORDER BY job_id LIMIT $3"),
            std::string(tenant), std::string(after_job_id), limit, start.first,
            start.second, end.first, end.second);
        std::vector<v1::Job> out;
        for (const pqxx::row& row : r) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), JobFromRow(row));
        }
        return out;
      });
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> PostgresStore::ListSnapshotsAfter(
    absl::string_view tenant, absl::string_view job_id, int64_t after_sequence,
    int limit) {
  const std::string t(tenant), job(job_id);
  return InTransaction(
      *pool_, "ListSnapshots",
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::StoredSnapshot>> {
        STREAMTUNE_RETURN_IF_ERROR(CheckJobExists(txn, t, job));
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kSnapshotColumns, " FROM snapshots",
                         " WHERE tenant = $1 AND job_id = $2",
                         " AND sequence > $3 ORDER BY sequence LIMIT $4"),
            t, job, after_sequence, limit);
        std::vector<v1::StoredSnapshot> out;
        for (const pqxx::row& row : r) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), SnapshotFromRow(row));
        }
        return out;
      });
}

absl::StatusOr<std::vector<std::pair<int64_t, v1::Recommendation>>>
PostgresStore::ListRecommendationsAfter(absl::string_view tenant,
                                        absl::string_view job_id,
                                        int64_t after_sequence, int limit,
                                        const TimeRange& range) {
  const std::string t(tenant), job(job_id);
  const std::pair<bool, std::string> start = Bound(range.start_micros);
  const std::pair<bool, std::string> end = Bound(range.end_micros);
  using Sequenced = std::vector<std::pair<int64_t, v1::Recommendation>>;
  return InTransaction(
      *pool_, "ListRecommendations", [&](pqxx::work& txn) -> absl::StatusOr<Sequenced> {
        STREAMTUNE_RETURN_IF_ERROR(CheckJobExists(txn, t, job));
        pqxx::result r = txn.exec_params(
            "SELECT sequence, recommendation::text FROM recommendations"
            " WHERE tenant = $1 AND job_id = $2 AND sequence > $3"
            " AND ($5::bool OR created_at >= $6::timestamptz)"
            " AND ($7::bool OR created_at < $8::timestamptz)"
            " ORDER BY sequence LIMIT $4",
            t, job, after_sequence, limit, start.first, start.second, end.first,
            end.second);
        Sequenced out;
        for (const pqxx::row& row : r) {
          STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation recommendation,
                                      RecommendationFromField(row[1]));
          out.emplace_back(row[0].as<int64_t>(), std::move(recommendation));
        }
        return out;
      });
}

absl::StatusOr<v1::Model> PostgresStore::PutModel(absl::string_view tenant,
                                                  const v1::Model& model,
                                                  absl::string_view weights) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateModel(model));
  v1::Model metrics_only;
  *metrics_only.mutable_metrics() = model.metrics();
  const std::string metrics = ToJson(metrics_only);
  // Everything not kept in a column of its own (medoid, pretrain run).
  v1::Model details;
  if (model.has_medoid()) *details.mutable_medoid() = model.medoid();
  details.set_pretrain_run(model.pretrain_run());
  const std::string details_json = ToJson(details);
  const pqxx::binarystring bytes(weights.data(), weights.size());
  const std::string t(tenant);
  return InTransaction(
      *pool_, "PutModel", [&](pqxx::work& txn) -> absl::StatusOr<v1::Model> {
        // Version = newest + 1. A concurrent PutModel of the same id makes
        // the insert a no-op; the next statement sees its row, so retry.
        for (int attempt = 0; attempt < 10; ++attempt) {
          pqxx::result r = txn.exec_params(
              "INSERT INTO models (tenant, model_id, version, cluster_id, kind,"
              " job_id, created_at, metrics, weights, details)"
              " SELECT $1::text, $2::text, COALESCE(MAX(version), 0) + 1,"
              " $3::text, $4::text, $5::text, clock_timestamp(),"
              " COALESCE(($6::jsonb)->'metrics', '{}'::jsonb), $7::bytea,"
              " $8::jsonb"
              " FROM models WHERE tenant = $1::text AND model_id = $2::text"
              " ON CONFLICT (tenant, model_id, version) DO NOTHING"
              " RETURNING version,"
              " (EXTRACT(EPOCH FROM created_at) * 1000000)::int8",
              t, model.model_id(), model.cluster_id(), model.kind(), model.job_id(),
              metrics, bytes, details_json);
          if (r.empty()) continue;
          v1::Model stored = model;
          stored.set_version(r[0][0].as<int64_t>());
          *stored.mutable_created_at() = FromUnixMicros(r[0][1].as<int64_t>());
          return stored;
        }
        return absl::UnavailableError(
            "postgres: PutModel kept racing other writers of the model; retry");
      });
}

absl::Status PostgresStore::SetJobModel(absl::string_view tenant,
                                        absl::string_view job_id,
                                        absl::string_view cluster_id,
                                        int64_t model_version) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  const std::string t(tenant), job(job_id), cluster(cluster_id);
  return InTransaction(*pool_, "SetJobModel", [&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        "UPDATE jobs SET cluster_id = $3, model_version = $4"
        " WHERE tenant = $1 AND job_id = $2",
        t, job, cluster, model_version);
    if (r.affected_rows() == 0) return JobNotFound(job_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::Model>> PostgresStore::ListModelsBefore(
    absl::string_view tenant, const std::optional<ModelCursor>& before, int limit) {
  const ModelCursor cursor = before.value_or(ModelCursor());
  return InTransaction(
      *pool_, "ListModels",
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Model>> {
        // Newest first: (created_at, model_id, version) descending, resumed
        // strictly below the last row of the previous page.
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kModelColumns, " FROM models WHERE tenant = $1",
                         " AND ($2::bool OR (created_at, model_id, version) <",
                         " ($3::timestamptz, $4::text, $5::int8))",
                         " ORDER BY created_at DESC, model_id DESC, version DESC",
                         " LIMIT $6"),
            std::string(tenant), !before.has_value(),
            SqlTimestamp(cursor.created_micros), cursor.model_id, cursor.version,
            limit);
        std::vector<v1::Model> out;
        for (const pqxx::row& row : r) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), ModelFromRow(row));
        }
        return out;
      });
}

absl::StatusOr<v1::Model> PostgresStore::GetModel(absl::string_view tenant,
                                                  absl::string_view model_id,
                                                  int64_t version) {
  return InTransaction(
      *pool_, "GetModel", [&](pqxx::work& txn) -> absl::StatusOr<v1::Model> {
        pqxx::result r =
            txn.exec_params(absl::StrCat("SELECT ", kModelColumns, " FROM models",
                                         " WHERE tenant = $1 AND model_id = $2",
                                         " AND ($3::int8 = 0 OR version = $3::int8)",
                                         " ORDER BY version DESC LIMIT 1"),
                            std::string(tenant), std::string(model_id), version);
        if (r.empty()) {
          return absl::NotFoundError(
              absl::StrCat("model_id: no model \"", model_id, "\" version ", version));
        }
        return ModelFromRow(r[0]);
      });
}

absl::StatusOr<std::string> PostgresStore::GetModelWeights(absl::string_view tenant,
                                                           absl::string_view model_id,
                                                           int64_t version) {
  return InTransaction(
      *pool_, "GetModelWeights", [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        pqxx::result r = txn.exec_params(
            "SELECT weights FROM models WHERE tenant = $1 AND model_id = $2"
            " AND ($3::int8 = 0 OR version = $3::int8)"
            " ORDER BY version DESC LIMIT 1",
            std::string(tenant), std::string(model_id), version);
        if (r.empty()) {
          return absl::NotFoundError(
              absl::StrCat("model_id: no model \"", model_id, "\" version ", version));
        }
        return pqxx::binarystring(r[0][0]).str();
      });
}

absl::StatusOr<v1::PretrainRun> PostgresStore::PutPretrainRun(
    absl::string_view tenant, const v1::PretrainRun& run) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidatePretrainRun(run));
  v1::PretrainRun models_only;
  *models_only.mutable_models() = run.models();
  const std::string serialized = models_only.SerializeAsString();
  const pqxx::binarystring bytes(serialized.data(), serialized.size());
  return InTransaction(
      *pool_, "PutPretrainRun",
      [&](pqxx::work& txn) -> absl::StatusOr<v1::PretrainRun> {
        pqxx::result r = txn.exec_params(
            "INSERT INTO pretrain_runs (tenant, run_id, published_at, models)"
            " VALUES ($1, $2, clock_timestamp(), $3)"
            " RETURNING (EXTRACT(EPOCH FROM published_at) * 1000000)::int8",
            std::string(tenant), run.run_id(), bytes);
        v1::PretrainRun stored = run;
        *stored.mutable_published_at() = FromUnixMicros(r[0][0].as<int64_t>());
        return stored;
      });
}

absl::StatusOr<std::optional<v1::PretrainRun>> PostgresStore::NewestPretrainRun(
    absl::string_view tenant) {
  using Result = std::optional<v1::PretrainRun>;
  return InTransaction(
      *pool_, "NewestPretrainRun", [&](pqxx::work& txn) -> absl::StatusOr<Result> {
        pqxx::result r = txn.exec_params(
            "SELECT run_id, (EXTRACT(EPOCH FROM published_at) * 1000000)::int8, models"
            " FROM pretrain_runs WHERE tenant = $1 ORDER BY published DESC LIMIT 1",
            std::string(tenant));
        if (r.empty()) return Result();
        const pqxx::binarystring models(r[0][2]);
        v1::PretrainRun run;
        if (!run.ParseFromArray(models.data(), static_cast<int>(models.size()))) {
          return absl::DataLossError("pretrain_runs.models: not a PretrainRun");
        }
        run.set_run_id(r[0][0].as<std::string>());
        *run.mutable_published_at() = FromUnixMicros(r[0][1].as<int64_t>());
        return Result(std::move(run));
      });
}

}  // namespace streamtune
