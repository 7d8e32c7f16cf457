// PostgresStore's decision path: what Recommend reads (one statement) and
// writes (one statement, calling streamtune_commit_decision from migration
// 4), and the fine-tuning queue that decisions fill. A statement on its own
// runs in autocommit mode (InTransaction<pqxx::nontransaction>): no BEGIN
// and COMMIT round trips, and PostgreSQL still makes it atomic and reads it
// from one snapshot of the database.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/proto_json.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "pqxx/pqxx"
#include "storage/postgres_rows.h"
#include "storage/postgres_store.h"
#include "storage/postgres_transaction.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// Rows of the decision read: (kind, a, b, bytes, text), in no particular
// order between kinds. Each branch in parentheses keeps its own ORDER BY
// and LIMIT. `retry` is true when the record that makes history unneeded
// is stored ($10: the snapshot, else its answer); PostgreSQL evaluates it
// once, before the history branches, which then read nothing.
//   h: a history snapshot (sequence, received_at, payload, json)
//   r: a recent answer (sequence, -, payload, json)
//   f: the fingerprint of the snapshot stored under the id (-, -, -, text)
//   e: the answer stored for it (-, -, payload, json)
//   p: a model tenant's newest run (preference, published_at, models, run_id)
//   m: the job model's newest version (version, created_at, -, json)
//   u: the tenant's stored snapshot bytes (stored_bytes, -, -, -), from the
//      counter migration 8 keeps; no row: none stored
constexpr char kDecisionReadHead[] = R"sql(
WITH retry AS MATERIALIZED (
  SELECT EXISTS (SELECT 1 FROM recommendations
                  WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3)
         OR ($10 AND EXISTS (SELECT 1 FROM snapshots
                              WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3))
         AS stored)
(SELECT 'h'::text, sequence, (EXTRACT(EPOCH FROM received_at) * 1000000)::int8,
        payload, CASE WHEN payload IS NULL THEN
        jsonb_build_object('snapshot', snapshot, 'labels', labels)::text END
   FROM (SELECT sequence, received_at, payload, snapshot, labels,
                SUM()sql";
// kSnapshotBytes goes here: the newest snapshots while they fit in $9 bytes.
constexpr char kDecisionReadTail[] = R"sql() OVER (ORDER BY sequence DESC
                                  ROWS UNBOUNDED PRECEDING) AS spent
           FROM snapshots WHERE tenant = $1 AND job_id = $2
          ORDER BY sequence DESC LIMIT $4) newest
  WHERE spent <= $9 AND NOT (SELECT stored FROM retry))
UNION ALL
(SELECT 'r', sequence, 0, payload,
        CASE WHEN payload IS NULL THEN recommendation::text END
   FROM recommendations WHERE tenant = $1 AND job_id = $2
    AND NOT (SELECT stored FROM retry)
   ORDER BY sequence DESC LIMIT $5)
UNION ALL
(SELECT 'f', 0, 0, NULL, fingerprint FROM snapshots
   WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3)
UNION ALL
(SELECT 'e', 0, 0, payload, CASE WHEN payload IS NULL THEN recommendation::text END
   FROM recommendations WHERE tenant = $1 AND job_id = $2 AND snapshot_id = $3)
UNION ALL
(SELECT 'p', t.preference, (EXTRACT(EPOCH FROM run.published_at) * 1000000)::int8,
        run.models, run.run_id
   FROM (VALUES (1, $6::text), (2, $7::text)) AS t (preference, tenant)
   CROSS JOIN LATERAL (SELECT run_id, published_at, models FROM pretrain_runs p
                       WHERE p.tenant = t.tenant ORDER BY published DESC LIMIT 1) run
   WHERE t.tenant <> '')
UNION ALL
(SELECT 'm', version, (EXTRACT(EPOCH FROM created_at) * 1000000)::int8, NULL,
        (details || jsonb_build_object('metrics', metrics, 'clusterId', cluster_id,
                                       'kind', kind, 'jobId', job_id))::text
   FROM models WHERE tenant = $1 AND model_id = $8 AND $8 <> ''
   ORDER BY version DESC LIMIT 1)
UNION ALL
(SELECT 'u', stored_bytes, 0, NULL, NULL FROM tenant_usage WHERE tenant = $1)
)sql";

// Index of a row's columns in kDecisionRead.
enum DecisionColumn { kKind = 0, kA = 1, kB = 2, kBytes = 3, kText = 4 };

// Adds one row of the decision read to `inputs`.
// `answers` collects the recent answers with their sequence.
absl::Status ReadDecisionRow(
    const pqxx::row& row, const DecisionReadRequest& request, DecisionInputs* inputs,
    std::vector<std::pair<int64_t, v1::Recommendation>>* answers) {
  const char kind = row[kKind].c_str()[0];
  if (kind == 'h') {
    STREAMTUNE_ASSIGN_OR_RETURN(inputs->history.emplace_back(),
                                SnapshotFromRow(row, kA));
  } else if (kind == 'r') {
    STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation answer,
                                RecommendationFromRow(row, kBytes));
    answers->emplace_back(row[kA].as<int64_t>(), std::move(answer));
  } else if (kind == 'f') {
    inputs->stored_fingerprint = row[kText].as<std::string>();
  } else if (kind == 'e') {
    STREAMTUNE_ASSIGN_OR_RETURN(inputs->stored_recommendation,
                                RecommendationFromRow(row, kBytes));
  } else if (kind == 'p') {
    // The first model tenant's run wins over the second's.
    const std::string& tenant = request.model_tenants.at(row[kA].as<int64_t>() - 1);
    if (!inputs->run.has_value() || tenant == request.model_tenants[0]) {
      inputs->run_tenant = tenant;
      STREAMTUNE_ASSIGN_OR_RETURN(
          inputs->run, PretrainRunFromFields(row[kText], row[kB], row[kBytes]));
    }
  } else if (kind == 'm') {
    v1::Model model;
    STREAMTUNE_RETURN_IF_ERROR(FromJson(row[kText].c_str(), "model", &model));
    model.set_model_id(request.job_model_id);
    model.set_version(row[kA].as<int64_t>());
    *model.mutable_created_at() = FromUnixMicros(row[kB].as<int64_t>());
    inputs->job_model = std::move(model);
  } else if (kind == 'u') {
    inputs->tenant_stored_bytes = row[kA].as<int64_t>();
  } else {
    return absl::InternalError("postgres: unexpected row in the decision read");
  }
  return absl::OkStatus();
}

// `sql` with every $n replaced by literals[n - 1], in one pass over `sql`
// (a literal's own text is never rescanned).
std::string WithLiterals(absl::string_view sql,
                         const std::vector<std::string>& literals) {
  std::string out;
  out.reserve(sql.size() + 256);
  for (size_t i = 0; i < sql.size();) {
    size_t digits = i + 1;
    while (sql[i] == '$' && digits < sql.size() && absl::ascii_isdigit(sql[digits])) {
      ++digits;
    }
    size_t n = 0;
    if (digits > i + 1 && absl::SimpleAtoi(sql.substr(i + 1, digits - i - 1), &n) &&
        n >= 1 && n <= literals.size()) {
      out += literals[n - 1];
      i = digits;
    } else {
      out += sql[i++];
    }
  }
  return out;
}

absl::StatusOr<FineTuneTask> TaskFromRow(const pqxx::row& row) {
  FineTuneTask task;
  task.tenant = row[0].as<std::string>();
  task.job_id = row[1].as<std::string>();
  task.request.model_tenant = row[2].as<std::string>();
  task.request.cluster_model_id = row[3].as<std::string>();
  task.request.cluster_model_version = row[4].as<int64_t>();
  task.through_sequence = row[5].as<int64_t>();
  task.generation = row[6].as<int64_t>();
  task.attempts = row[7].as<int>();
  return task;
}

}  // namespace

absl::StatusOr<DecisionInputs> PostgresStore::LoadDecisionInputs(
    absl::string_view tenant, const DecisionReadRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  const std::string first_tenant =
      request.model_tenants.size() > 0 ? request.model_tenants[0] : "";
  const std::string second_tenant =
      request.model_tenants.size() > 1 ? request.model_tenants[1] : "";
  return InTransaction<pqxx::nontransaction>(
      *pool_, "LoadDecisionInputs",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<DecisionInputs> {
        static const std::string kDecisionRead =
            absl::StrCat(kDecisionReadHead, kSnapshotBytes, kDecisionReadTail);
        // The row scope and the read in one simple query: one implicit
        // transaction, one round trip. The shared model tenant's run is
        // readable through its own policy (streamtune.model_tenant).
        const std::vector<std::string> literals = {
            txn.quote(std::string(tenant)),
            txn.quote(request.job_id),
            txn.quote(request.snapshot_id),
            absl::StrCat(request.history_snapshots),
            absl::StrCat(request.history_recommendations),
            txn.quote(first_tenant),
            txn.quote(second_tenant),
            txn.quote(request.job_model_id),
            absl::StrCat(request.history_bytes),
            request.snapshot_stored_suffices ? "true" : "false"};
        const pqxx::result rows = txn.exec(
            absl::StrCat(SetRowScopeSql(txn, RowScope::Tenant(tenant)),
                         ", set_config('streamtune.model_tenant', ", literals[6],
                         ", true);", WithLiterals(kDecisionRead, literals)));
        DecisionInputs inputs;
        std::vector<std::pair<int64_t, v1::Recommendation>> answers;
        for (const pqxx::row& row : rows) {
          STREAMTUNE_RETURN_IF_ERROR(ReadDecisionRow(row, request, &inputs, &answers));
        }
        // Oldest first, whatever order the branches' rows came in.
        std::sort(inputs.history.begin(), inputs.history.end(),
                  [](const v1::StoredSnapshot& a, const v1::StoredSnapshot& b) {
                    return a.sequence() < b.sequence();
                  });
        std::sort(answers.begin(), answers.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [sequence, answer] : answers) {
          inputs.recommendations.push_back(std::move(answer));
        }
        return inputs;
      });
}

absl::StatusOr<v1::Recommendation> PostgresStore::PutSnapshotAndRecommendation(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot,
    const v1::Recommendation& recommendation,
    const std::optional<FineTuneRequest>& fine_tune) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateSnapshotKey(snapshot));
  if (fine_tune.has_value()) {
    STREAMTUNE_RETURN_IF_ERROR(ValidateFineTuneRequest(*fine_tune));
  }
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::Recommendation canonical,
      CanonicalRecommendation(snapshot, recommendation, NowMicros()));
  const v1::Snapshot& s = snapshot.snapshot();
  const FineTuneRequest request = fine_tune.value_or(FineTuneRequest());
  return InTransaction<pqxx::nontransaction>(
      *pool_, "PutSnapshotAndRecommendation",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<v1::Recommendation> {
        const pqxx::result r = txn.exec_params(
            "SELECT outcome, payload, json FROM streamtune_commit_decision("
            "$1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb,"
            " COALESCE(($9::jsonb)->'labels', '[]'::jsonb), $10, $11,"
            " $12::timestamptz, $13::jsonb, $14, $15, $16, $17, $18, $19)",
            std::string(tenant), s.job_id(), s.snapshot_id(),
            static_cast<int>(s.engine()), DagFingerprint(s),
            SqlTimestamp(ToUnixMicros(s.observed_at())), SnapshotFingerprint(s),
            ToJson(s), LabelsJson(snapshot), Payload(SnapshotPayload(snapshot)),
            canonical.policy(), SqlTimestamp(ToUnixMicros(canonical.created_at())),
            ToJson(canonical), Payload(canonical), canonical.cluster_id(),
            canonical.model_version(), request.model_tenant, request.cluster_model_id,
            request.cluster_model_version);
        const std::string outcome = r.at(0)[0].as<std::string>();
        if (outcome == "conflict") {
          return absl::AlreadyExistsError(
              absl::StrCat("snapshot.snapshot_id: \"", s.snapshot_id(),
                           "\" is already stored with different content"));
        }
        if (outcome == "existing") return RecommendationFromRow(r[0], 1);
        return canonical;
      });
}

absl::StatusOr<std::optional<FineTuneTask>> PostgresStore::ClaimFineTune(
    absl::Duration lease, int max_attempts) {
  using Result = std::optional<FineTuneTask>;
  return InTransaction<pqxx::nontransaction>(
      *pool_, "ClaimFineTune",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<Result> {
        // SKIP LOCKED: replicas claiming at once take different rows. The
        // claim is cross-tenant by design: the scope leads the statement in
        // one simple query (one implicit transaction, one round trip).
        const pqxx::result r = txn.exec(absl::StrCat(
            SetRowScopeSql(txn, RowScope::AllTenants()), ";",
            "UPDATE fine_tune_queue q"
            " SET claimed_until = clock_timestamp() + ",
            absl::ToInt64Microseconds(lease),
            " * interval '1 microsecond', attempts = q.attempts + 1"
            " WHERE (q.tenant, q.job_id) = (SELECT tenant, job_id FROM fine_tune_queue"
            "   WHERE (claimed_until IS NULL OR claimed_until < clock_timestamp())"
            "   AND attempts < ",
            max_attempts,
            " ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING tenant, job_id, model_tenant, cluster_model_id,"
            " cluster_model_version, through_sequence, generation, attempts"));
        if (r.empty()) return Result();
        STREAMTUNE_ASSIGN_OR_RETURN(FineTuneTask task, TaskFromRow(r[0]));
        return Result(std::move(task));
      });
}

absl::StatusOr<v1::Model> PostgresStore::CompleteFineTune(const FineTuneTask& task,
                                                          const v1::Model& model,
                                                          absl::string_view weights) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateModel(model));
  return InScopedTransaction(
      *pool_, "CompleteFineTune", RowScope::Tenant(task.tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Model> {
        STREAMTUNE_ASSIGN_OR_RETURN(
            v1::Model stored, InsertModelVersion(txn, task.tenant, model, weights));
        const pqxx::result done = txn.exec_params(
            "DELETE FROM fine_tune_queue"
            " WHERE tenant = $1 AND job_id = $2 AND generation = $3",
            task.tenant, task.job_id, task.generation);
        if (done.affected_rows() == 0) {  // Asked again since: stays queued.
          txn.exec_params(
              "UPDATE fine_tune_queue SET claimed_until = NULL"
              " WHERE tenant = $1 AND job_id = $2",
              task.tenant, task.job_id);
        }
        return stored;
      });
}

absl::Status PostgresStore::ReleaseFineTune(const FineTuneTask& task, bool retry) {
  return InScopedTransaction(
      *pool_, "ReleaseFineTune", RowScope::Tenant(task.tenant), [&](pqxx::work& txn) {
        const pqxx::result dropped = txn.exec_params(
            "DELETE FROM fine_tune_queue"
            " WHERE NOT $4 AND tenant = $1 AND job_id = $2 AND generation = $3",
            task.tenant, task.job_id, task.generation, retry);
        if (dropped.affected_rows() == 0) {
          txn.exec_params(
              "UPDATE fine_tune_queue SET claimed_until = NULL"
              " WHERE tenant = $1 AND job_id = $2",
              task.tenant, task.job_id);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> PostgresStore::SnapshotsThrough(
    absl::string_view tenant, absl::string_view job_id, int64_t through, int limit) {
  return InScopedTransaction(
      *pool_, "SnapshotsThrough", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::StoredSnapshot>> {
        std::vector<v1::StoredSnapshot> out;
        if (limit <= 0) return out;
        const pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kSnapshotColumns, " FROM snapshots",
                         " WHERE tenant = $1 AND job_id = $2 AND sequence <= $3",
                         " ORDER BY sequence DESC LIMIT $4"),
            std::string(tenant), std::string(job_id), through, limit);
        for (auto row = r.rbegin(); row != r.rend(); ++row) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), SnapshotFromRow(*row));
        }
        return out;
      });
}

}  // namespace streamtune
