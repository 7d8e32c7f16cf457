#include "storage/migrations.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "storage/postgres_pool.h"

namespace streamtune {
namespace {

// Key of the advisory lock serialising migrations ("STUNEMIG" in ASCII).
constexpr int64_t kMigrationLockKey = 0x5354554e454d4947;

// Identifiers use the "C" collation so that ORDER BY and keyset pagination
// compare bytes, exactly as the in-memory store does, whatever the database's
// locale. Every table leads with tenant (a Citus distribution column).
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE jobs (
  tenant               TEXT COLLATE "C" NOT NULL,
  job_id               TEXT COLLATE "C" NOT NULL,
  engine               INTEGER NOT NULL,
  dag_fingerprint      TEXT NOT NULL,
  first_observed_at    TIMESTAMPTZ NOT NULL,
  last_observed_at     TIMESTAMPTZ NOT NULL,
  snapshot_count       BIGINT NOT NULL DEFAULT 0,
  recommendation_count BIGINT NOT NULL DEFAULT 0,
  last_policy          TEXT NOT NULL DEFAULT '',
  cluster_id           TEXT NOT NULL DEFAULT '',
  model_version        BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, job_id)
);

CREATE TABLE snapshots (
  tenant      TEXT COLLATE "C" NOT NULL,
  job_id      TEXT COLLATE "C" NOT NULL,
  snapshot_id TEXT COLLATE "C" NOT NULL,
  sequence    BIGINT NOT NULL CHECK (sequence > 0),
  fingerprint TEXT NOT NULL,
  observed_at TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  snapshot    JSONB NOT NULL,
  labels      JSONB NOT NULL DEFAULT '[]',
  PRIMARY KEY (tenant, job_id, snapshot_id),
  UNIQUE (tenant, job_id, sequence),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, job_id)
);

-- sequence is the snapshot's, so recommendations list in history order.
CREATE TABLE recommendations (
  tenant         TEXT COLLATE "C" NOT NULL,
  job_id         TEXT COLLATE "C" NOT NULL,
  snapshot_id    TEXT COLLATE "C" NOT NULL,
  sequence       BIGINT NOT NULL,
  policy         TEXT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL,
  recommendation JSONB NOT NULL,
  applied        BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (tenant, job_id, snapshot_id),
  UNIQUE (tenant, job_id, sequence),
  FOREIGN KEY (tenant, job_id, snapshot_id)
    REFERENCES snapshots (tenant, job_id, snapshot_id)
);

CREATE TABLE clusters (
  tenant     TEXT COLLATE "C" NOT NULL,
  cluster_id TEXT COLLATE "C" NOT NULL,
  medoid     JSONB NOT NULL,
  size       BIGINT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, cluster_id)
);

CREATE TABLE models (
  tenant     TEXT COLLATE "C" NOT NULL,
  model_id   TEXT COLLATE "C" NOT NULL,
  version    BIGINT NOT NULL CHECK (version > 0),
  cluster_id TEXT NOT NULL DEFAULT '',
  kind       TEXT NOT NULL DEFAULT '',
  job_id     TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL,
  metrics    JSONB NOT NULL DEFAULT '{}',
  weights    BYTEA NOT NULL,
  PRIMARY KEY (tenant, model_id, version)
);
CREATE INDEX models_newest_first
  ON models (tenant, created_at DESC, model_id DESC, version DESC);
)sql";

// Model details that have no column of their own (a cluster's medoid DAG,
// the pre-training run), as a JSON object merged into the model on read.
constexpr char kModelDetails[] = R"sql(
ALTER TABLE models ADD COLUMN details JSONB NOT NULL DEFAULT '{}';
)sql";

// Published pre-training runs, a record of their own. Until migration 3 a run
// was a row of the models table (model_id 'pretrain-manifest', its models in
// `weights` as a PretrainResponse, whose bytes read as a PretrainRun); those
// rows move here, oldest first, so the newest stays the newest.
constexpr char kPretrainRuns[] = R"sql(
CREATE TABLE pretrain_runs (
  tenant       TEXT COLLATE "C" NOT NULL,
  published    BIGINT GENERATED ALWAYS AS IDENTITY,
  run_id       TEXT NOT NULL,
  published_at TIMESTAMPTZ NOT NULL,
  models       BYTEA NOT NULL,
  PRIMARY KEY (tenant, published)
);
INSERT INTO pretrain_runs (tenant, run_id, published_at, models)
  SELECT tenant, COALESCE(details->>'pretrainRun', ''), created_at, weights
  FROM models WHERE model_id = 'pretrain-manifest'
  ORDER BY created_at, version;
DELETE FROM models WHERE model_id = 'pretrain-manifest';
)sql";

// Pre-training operations (docs/operations.md "Pre-training operations"):
// the whole streamtune.v1.Operation in `operation`, plus the columns the
// store itself maintains and queries. `updated_at` is the runner's
// heartbeat; the partial index finds running operations whose heartbeat is
// stale without reading finished ones. (Migration 4 belongs to another
// change; the runner tolerates the gap.)
constexpr char kOperations[] = R"sql(
CREATE TABLE operations (
  tenant           TEXT COLLATE "C" NOT NULL,
  name             TEXT COLLATE "C" NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL,
  updated_at       TIMESTAMPTZ NOT NULL,
  done             BOOLEAN NOT NULL DEFAULT FALSE,
  cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
  operation        BYTEA NOT NULL,
  PRIMARY KEY (tenant, name)
);
CREATE INDEX operations_newest_first ON operations (tenant, created_at DESC, name DESC);
CREATE INDEX operations_running ON operations (updated_at) WHERE NOT done;
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "jobs, snapshots, recommendations, clusters, models", kInitialSchema},
      {2, "models.details (medoid, pretrain run)", kModelDetails},
      {3, "pretrain_runs (moved out of models)", kPretrainRuns},
      {5, "operations (long-running pre-training)", kOperations},
  };
  return *migrations;
}

absl::Status ApplyMigrations(pqxx::connection& connection) {
  std::string what = "schema migration";
  try {
    pqxx::work txn(connection);
    // The lock comes first: two replicas running CREATE TABLE IF NOT EXISTS
    // at once can still collide in the catalog.
    txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    txn.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version BIGINT PRIMARY KEY,"
        " description TEXT NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    std::set<int64_t> applied;
    for (const auto& row : txn.exec("SELECT version FROM schema_migrations")) {
      applied.insert(row[0].as<int64_t>());
    }
    for (const Migration& m : Migrations()) {
      if (applied.count(m.version) > 0) continue;
      what = absl::StrCat("schema migration ", m.version, " (", m.description, ")");
      txn.exec(m.sql);
      txn.exec_params(
          "INSERT INTO schema_migrations (version, description)"
          " VALUES ($1, $2)",
          m.version, std::string(m.description));
    }
    txn.commit();
    return absl::OkStatus();
  } catch (...) {
    bool broken = false;
    return StatusFromPqxxException(what, &broken);
  }
}

}  // namespace streamtune
