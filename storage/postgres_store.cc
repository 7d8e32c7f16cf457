#include "storage/postgres_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/logging.h"
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
#include "storage/postgres_rows.h"
#include "storage/postgres_transaction.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// SQL parameters for an optional bound: ($n::bool "unbounded", $n+1 the
// bound as timestamptz), used as "($n OR column >= $n+1::timestamptz)".
std::pair<bool, std::string> Bound(const std::optional<int64_t>& micros) {
  return {!micros.has_value(), SqlTimestamp(micros.value_or(0))};
}

// The rows of a byte-bounded listing page in sequence order, with the row
// that follows the page: `columns` of "FROM ... WHERE ..." `from_where`, each
// with `in_page`. $4 is the page size and $5 its byte budget: a row after
// the first is on the page while the page's `bytes` stay within the budget.
// Select the payload only "CASE WHEN in_page": the row after the page
// then costs its sequence, not its content.
std::string PageWindow(absl::string_view bytes, absl::string_view columns,
                       absl::string_view from_where) {
  return absl::StrCat(
      "SELECT *, (n = 1 OR (n <= $4 AND spent <= $5)) AS in_page FROM (SELECT ",
      columns, ", ", bytes, " AS own, row_number() OVER w AS n, SUM(", bytes,
      ") OVER w AS spent ", from_where,
      " WINDOW w AS (ORDER BY sequence ROWS UNBOUNDED PRECEDING)",
      " ORDER BY sequence LIMIT $4 + 1) numbered",
      // The page, and the first row beyond it (n = 2 after a first row
      // larger than the budget).
      " WHERE n <= 2 OR spent - own <= $5");
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
  txn.exec_params(
      "INSERT INTO snapshots (tenant, job_id, snapshot_id, sequence,"
      " fingerprint, observed_at, received_at, snapshot, labels, payload)"
      " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, clock_timestamp(),"
      " $7::jsonb, COALESCE(($8::jsonb)->'labels', '[]'::jsonb), $9)",
      tenant, s.job_id(), s.snapshot_id(), sequence, fingerprint, observed, ToJson(s),
      LabelsJson(snapshot), Payload(SnapshotPayload(snapshot)));
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
      absl::StrCat("SELECT ", kRecommendationColumns, " FROM recommendations",
                   " WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3"),
      tenant, job_id, snapshot_id);
  if (r.empty()) return std::nullopt;
  return RecommendationFromRow(r[0]);
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

// Superusers and BYPASSRLS roles skip row-level security even on FORCEd
// tables: say so, since the tenant policies then defend nothing.
void WarnIfPoliciesAreSkipped(pqxx::connection& connection) {
  try {
    pqxx::nontransaction txn(connection);
    const pqxx::result r = txn.exec(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user");
    if (!r.empty() && r[0][0].as<bool>()) {
      LogWarning(
          "postgres: the database role is a superuser or has BYPASSRLS, so the "
          "tenant row-level security policies do not apply to this server; connect "
          "as an ordinary role that owns the tables (docs/architecture.md, Storage)");
    }
  } catch (const std::exception&) {
    // Only a warning: the first real statement reports a broken connection.
  }
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
    WarnIfPoliciesAreSkipped(lease.connection());
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
  return InScopedTransaction(
      *pool_, "PutSnapshot", RowScope::Tenant(tenant), [&](pqxx::work& txn) {
        return LockJobAndPutSnapshot(txn, std::string(tenant), snapshot);
      });
}

absl::StatusOr<int64_t> PostgresStore::TenantStoredBytes(absl::string_view tenant) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  return InScopedTransaction(
      *pool_, "TenantStoredBytes", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<int64_t> {
        const pqxx::result r =
            txn.exec_params("SELECT stored_bytes FROM tenant_usage WHERE tenant = $1",
                            std::string(tenant));
        return r.empty() ? 0 : r[0][0].as<int64_t>();
      });
}

absl::StatusOr<std::optional<v1::StoredSnapshot>> PostgresStore::FindSnapshot(
    absl::string_view tenant, absl::string_view job_id, absl::string_view snapshot_id) {
  return InScopedTransaction(
      *pool_, "FindSnapshot", RowScope::Tenant(tenant),
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
  return InScopedTransaction(
      *pool_, "FindRecommendation", RowScope::Tenant(tenant), [&](pqxx::work& txn) {
        return ReadRecommendation(txn, std::string(tenant), std::string(job_id),
                                  std::string(snapshot_id));
      });
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> PostgresStore::RecentSnapshots(
    absl::string_view tenant, absl::string_view job_id, int limit) {
  return InScopedTransaction(
      *pool_, "RecentSnapshots", RowScope::Tenant(tenant),
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
  return InScopedTransaction(
      *pool_, "RecentRecommendations", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Recommendation>> {
        std::vector<v1::Recommendation> out;
        if (limit <= 0) return out;
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kRecommendationColumns, " FROM recommendations",
                         " WHERE tenant = $1 AND job_id = $2",
                         " ORDER BY sequence DESC LIMIT $3"),
            std::string(tenant), std::string(job_id), limit);
        for (auto row = r.rbegin(); row != r.rend(); ++row) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), RecommendationFromRow(*row));
        }
        return out;
      });
}

absl::StatusOr<v1::Job> PostgresStore::GetJob(absl::string_view tenant,
                                              absl::string_view job_id) {
  return InScopedTransaction(
      *pool_, "GetJob", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Job> {
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
  return InScopedTransaction(
      *pool_, "ListJobs", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Job>> {
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

absl::StatusOr<PageRows<v1::StoredSnapshot>> PostgresStore::ListSnapshotsAfter(
    absl::string_view tenant, absl::string_view job_id, int64_t after_sequence,
    int limit, int64_t max_bytes) {
  const std::string t(tenant), job(job_id);
  return InScopedTransaction(
      *pool_, "ListSnapshots", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<PageRows<v1::StoredSnapshot>> {
        STREAMTUNE_RETURN_IF_ERROR(CheckJobExists(txn, t, job));
        pqxx::result r = txn.exec_params(
            absl::StrCat(
                "SELECT in_page, sequence,"
                " (EXTRACT(EPOCH FROM received_at) * 1000000)::int8,"
                " CASE WHEN in_page THEN payload END,"
                " CASE WHEN in_page AND payload IS NULL THEN"
                " jsonb_build_object('snapshot', snapshot, 'labels', labels)::text END"
                " FROM (",
                PageWindow(kSnapshotBytes,
                           "sequence, received_at, payload, snapshot, labels",
                           "FROM snapshots WHERE tenant = $1 AND job_id = $2"
                           " AND sequence > $3"),
                ") w ORDER BY sequence"),
            t, job, after_sequence, limit, max_bytes);
        PageRows<v1::StoredSnapshot> out;
        for (const pqxx::row& row : r) {
          if (!row[0].as<bool>()) {
            out.more = true;
            break;
          }
          STREAMTUNE_ASSIGN_OR_RETURN(out.items.emplace_back(),
                                      SnapshotFromRow(row, 1));
        }
        return out;
      });
}

absl::StatusOr<PageRows<std::pair<int64_t, v1::Recommendation>>>
PostgresStore::ListRecommendationsAfter(absl::string_view tenant,
                                        absl::string_view job_id,
                                        int64_t after_sequence, int limit,
                                        int64_t max_bytes, const TimeRange& range) {
  const std::string t(tenant), job(job_id);
  const std::pair<bool, std::string> start = Bound(range.start_micros);
  const std::pair<bool, std::string> end = Bound(range.end_micros);
  using Rows = PageRows<std::pair<int64_t, v1::Recommendation>>;
  return InScopedTransaction(
      *pool_, "ListRecommendations", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<Rows> {
        STREAMTUNE_RETURN_IF_ERROR(CheckJobExists(txn, t, job));
        pqxx::result r = txn.exec_params(
            absl::StrCat(
                "SELECT in_page, sequence, CASE WHEN in_page THEN payload END,"
                " CASE WHEN in_page AND payload IS NULL THEN recommendation::text END"
                " FROM (",
                PageWindow(kRecommendationBytes, "sequence, payload, recommendation",
                           "FROM recommendations"
                           " WHERE tenant = $1 AND job_id = $2 AND sequence > $3"
                           " AND ($6::bool OR created_at >= $7::timestamptz)"
                           " AND ($8::bool OR created_at < $9::timestamptz)"),
                ") w ORDER BY sequence"),
            t, job, after_sequence, limit, max_bytes, start.first, start.second,
            end.first, end.second);
        Rows out;
        for (const pqxx::row& row : r) {
          if (!row[0].as<bool>()) {
            out.more = true;
            break;
          }
          STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation recommendation,
                                      RecommendationFromRow(row, 2));
          out.items.emplace_back(row[1].as<int64_t>(), std::move(recommendation));
        }
        return out;
      });
}

absl::StatusOr<v1::Model> PostgresStore::PutModel(absl::string_view tenant,
                                                  const v1::Model& model,
                                                  absl::string_view weights) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateModel(model));
  return InScopedTransaction(
      *pool_, "PutModel", RowScope::Tenant(tenant), [&](pqxx::work& txn) {
        return InsertModelVersion(txn, std::string(tenant), model, weights);
      });
}

absl::StatusOr<std::vector<v1::Model>> PostgresStore::ListModelsBefore(
    absl::string_view tenant, const std::optional<ModelCursor>& before, int limit) {
  const ModelCursor cursor = before.value_or(ModelCursor());
  return InScopedTransaction(
      *pool_, "ListModels", RowScope::Tenant(tenant),
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
  return InScopedTransaction(
      *pool_, "GetModel", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Model> {
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
  return InScopedTransaction(
      *pool_, "GetModelWeights", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
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
  return InScopedTransaction(
      *pool_, "PutPretrainRun", RowScope::Tenant(tenant),
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
  return InScopedTransaction(
      *pool_, "NewestPretrainRun", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<Result> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kPretrainRunColumns, " FROM pretrain_runs",
                         " WHERE tenant = $1 ORDER BY published DESC LIMIT 1"),
            std::string(tenant));
        if (r.empty()) return Result();
        STREAMTUNE_ASSIGN_OR_RETURN(v1::PretrainRun run,
                                    PretrainRunFromFields(r[0][0], r[0][1], r[0][2]));
        return Result(std::move(run));
      });
}

}  // namespace streamtune
