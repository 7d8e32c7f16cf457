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

// The hot path of Recommend (docs/architecture.md, "One read, one write"):
// snapshots and answers also kept as binary protobuf (payload; parsing it is
// many times cheaper than the JSON, which stays for SQL and dashboards; rows
// from before keep a NULL payload and are read from the JSON), the
// fine-tuning queue, and the whole write of a decision as one function, so a
// decision is one statement: one round trip, one transaction.
constexpr char kDecisionPath[] = R"sql(
ALTER TABLE snapshots ADD COLUMN payload BYTEA;
ALTER TABLE recommendations ADD COLUMN payload BYTEA;

CREATE TABLE fine_tune_queue (
  tenant                TEXT COLLATE "C" NOT NULL,
  job_id                TEXT COLLATE "C" NOT NULL,
  model_tenant          TEXT COLLATE "C" NOT NULL,
  cluster_model_id      TEXT COLLATE "C" NOT NULL,
  cluster_model_version BIGINT NOT NULL CHECK (cluster_model_version > 0),
  through_sequence      BIGINT NOT NULL CHECK (through_sequence > 0),
  generation            BIGINT NOT NULL DEFAULT 1,
  attempts              INTEGER NOT NULL DEFAULT 0,
  queued_at             TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  claimed_until         TIMESTAMPTZ,
  PRIMARY KEY (tenant, job_id),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, job_id)
);
CREATE INDEX fine_tune_queue_oldest ON fine_tune_queue (queued_at);

-- Stores snapshot, answer, the job's model and a fine-tuning request as one
-- transaction. outcome: 'stored' (the answer given was stored), 'existing'
-- (an answer was already stored: returned as payload or json), 'conflict'
-- (another snapshot is stored under the id).
CREATE FUNCTION streamtune_commit_decision(
    p_tenant TEXT, p_job TEXT, p_snapshot TEXT, p_engine INTEGER, p_dag TEXT,
    p_observed TIMESTAMPTZ, p_fingerprint TEXT, p_snapshot_json JSONB,
    p_labels JSONB, p_snapshot_payload BYTEA, p_policy TEXT,
    p_created TIMESTAMPTZ, p_answer_json JSONB, p_answer_payload BYTEA,
    p_cluster TEXT, p_model_version BIGINT, p_model_tenant TEXT,
    p_cluster_model TEXT, p_cluster_model_version BIGINT)
  RETURNS TABLE (outcome TEXT, payload BYTEA, json TEXT)
  LANGUAGE plpgsql AS $$
DECLARE
  v_count BIGINT;
  v_sequence BIGINT;
  v_fingerprint TEXT;
BEGIN
  INSERT INTO jobs (tenant, job_id, engine, dag_fingerprint,
                    first_observed_at, last_observed_at)
    VALUES (p_tenant, p_job, p_engine, p_dag, p_observed, p_observed)
    ON CONFLICT (tenant, job_id) DO NOTHING;
  -- The job's row lock makes writers of one job take turns: sequences are
  -- 1, 2, 3, ... and a concurrent retry waits, then finds this answer.
  SELECT j.snapshot_count INTO v_count FROM jobs j
    WHERE j.tenant = p_tenant AND j.job_id = p_job FOR UPDATE;
  SELECT s.sequence, s.fingerprint INTO v_sequence, v_fingerprint FROM snapshots s
    WHERE s.tenant = p_tenant AND s.job_id = p_job AND s.snapshot_id = p_snapshot;
  IF FOUND THEN
    IF v_fingerprint <> p_fingerprint THEN
      RETURN QUERY SELECT 'conflict'::text, NULL::bytea, NULL::text;
      RETURN;
    END IF;
    RETURN QUERY SELECT 'existing'::text, r.payload,
        CASE WHEN r.payload IS NULL THEN r.recommendation::text END
      FROM recommendations r
      WHERE r.tenant = p_tenant AND r.job_id = p_job AND r.snapshot_id = p_snapshot;
    IF FOUND THEN RETURN; END IF;
  ELSE
    v_sequence := v_count + 1;
    INSERT INTO snapshots (tenant, job_id, snapshot_id, sequence, fingerprint,
                           observed_at, received_at, snapshot, labels, payload)
      VALUES (p_tenant, p_job, p_snapshot, v_sequence, p_fingerprint, p_observed,
              clock_timestamp(), p_snapshot_json, p_labels, p_snapshot_payload);
    UPDATE jobs SET engine = p_engine, dag_fingerprint = p_dag,
        first_observed_at = LEAST(first_observed_at, p_observed),
        last_observed_at = GREATEST(last_observed_at, p_observed),
        snapshot_count = v_sequence
      WHERE tenant = p_tenant AND job_id = p_job;
  END IF;
  INSERT INTO recommendations (tenant, job_id, snapshot_id, sequence, policy,
                               created_at, recommendation, payload)
    VALUES (p_tenant, p_job, p_snapshot, v_sequence, p_policy, p_created,
            p_answer_json, p_answer_payload);
  UPDATE jobs SET recommendation_count = recommendation_count + 1,
      last_policy = p_policy,
      cluster_id = CASE WHEN p_cluster <> '' THEN p_cluster ELSE cluster_id END,
      model_version = CASE WHEN p_cluster <> '' THEN p_model_version
                      ELSE model_version END
    WHERE tenant = p_tenant AND job_id = p_job;
  IF p_cluster_model <> '' THEN
    INSERT INTO fine_tune_queue AS q (tenant, job_id, model_tenant,
        cluster_model_id, cluster_model_version, through_sequence)
      VALUES (p_tenant, p_job, p_model_tenant, p_cluster_model,
              p_cluster_model_version, v_sequence)
      ON CONFLICT (tenant, job_id) DO UPDATE SET
        model_tenant = EXCLUDED.model_tenant,
        cluster_model_id = EXCLUDED.cluster_model_id,
        cluster_model_version = EXCLUDED.cluster_model_version,
        through_sequence = EXCLUDED.through_sequence,
        generation = q.generation + 1, attempts = 0,
        queued_at = clock_timestamp();
  END IF;
  RETURN QUERY SELECT 'stored'::text, NULL::bytea, NULL::text;
END
$$;
)sql";

// Pre-training operations (docs/operations.md "Pre-training operations"):
// the whole streamtune.v1.Operation in `operation`, plus the columns the
// store itself maintains and queries. `updated_at` is the runner's
// heartbeat; the partial index finds running operations whose heartbeat is
// stale without reading finished ones.
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

// API tokens: bearer credentials mapped to a tenant and a role. Not scoped
// by tenant like the tables above: a call's tenant is read from its token.
constexpr char kApiTokens[] = R"sql(
CREATE TABLE api_tokens (
  token_id      TEXT COLLATE "C" PRIMARY KEY,
  tenant        TEXT COLLATE "C" NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('tenant', 'admin')),
  secret_sha256 TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  created_at    TIMESTAMPTZ NOT NULL,
  revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant, created_at);
)sql";

// Row-level security as defence in depth: a query that forgets its tenant
// predicate (or names another tenant) sees and writes nothing of other
// tenants. Every transaction says whose rows it works on with SET LOCAL
// (PostgresStore, storage/postgres_transaction.h): streamtune.tenant, or
// streamtune.cross_tenant = on for the few operations that span tenants by
// design. FORCE because the service connects as the tables' owner, whom
// policies otherwise skip. The decision write sets its tenant inside the
// function (it is one statement in autocommit mode: nothing runs before
// it in its transaction), and the decision read may read the shared model
// tenant's pre-training run (streamtune.model_tenant). api_tokens (migration
// 6) has no policy: a call's token is read before its tenant is known.
constexpr char kRowLevelSecurity[] = R"sql(
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['jobs', 'snapshots', 'recommendations', 'clusters',
                           'models', 'pretrain_runs', 'fine_tune_queue', 'operations']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_rows ON %I'
      ' USING (tenant = current_setting(''streamtune.tenant'', true)'
      '        OR current_setting(''streamtune.cross_tenant'', true) = ''on'')'
      ' WITH CHECK (tenant = current_setting(''streamtune.tenant'', true)'
      '             OR current_setting(''streamtune.cross_tenant'', true) = ''on'')',
      t);
  END LOOP;
END $$;

CREATE POLICY shared_model_runs ON pretrain_runs FOR SELECT
  USING (tenant = current_setting('streamtune.model_tenant', true));

ALTER FUNCTION streamtune_commit_decision(
    TEXT, TEXT, TEXT, INTEGER, TEXT, TIMESTAMPTZ, TEXT, JSONB, JSONB, BYTEA, TEXT,
    TIMESTAMPTZ, JSONB, BYTEA, TEXT, BIGINT, TEXT, TEXT, BIGINT)
  RENAME TO streamtune_commit_decision_in_scope;

CREATE FUNCTION streamtune_commit_decision(
    p_tenant TEXT, p_job TEXT, p_snapshot TEXT, p_engine INTEGER, p_dag TEXT,
    p_observed TIMESTAMPTZ, p_fingerprint TEXT, p_snapshot_json JSONB,
    p_labels JSONB, p_snapshot_payload BYTEA, p_policy TEXT,
    p_created TIMESTAMPTZ, p_answer_json JSONB, p_answer_payload BYTEA,
    p_cluster TEXT, p_model_version BIGINT, p_model_tenant TEXT,
    p_cluster_model TEXT, p_cluster_model_version BIGINT)
  RETURNS TABLE (outcome TEXT, payload BYTEA, json TEXT)
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('streamtune.tenant', p_tenant, true);
  RETURN QUERY SELECT * FROM streamtune_commit_decision_in_scope(
    p_tenant, p_job, p_snapshot, p_engine, p_dag, p_observed, p_fingerprint,
    p_snapshot_json, p_labels, p_snapshot_payload, p_policy, p_created,
    p_answer_json, p_answer_payload, p_cluster, p_model_version, p_model_tenant,
    p_cluster_model, p_cluster_model_version);
END $$;
)sql";

// The stored-bytes quota's counter (docs/operations.md, "Quotas"): each
// tenant's snapshot bytes, kept by a trigger on snapshots so that every
// writer (streamtune_commit_decision, PutSnapshot, a future purge) updates
// it in the same transaction, and read by the decision read at no extra
// round trip. The bytes are kSnapshotBytes (storage/postgres_rows.h): the
// payload, which is StoredSnapshotBytes, or the JSON of rows from before
// migration 4. The row lock this takes is held only until the writing
// statement commits (decisions run in autocommit). Same row-level security
// as migration 7.
constexpr char kTenantUsage[] = R"sql(
CREATE TABLE tenant_usage (
  tenant       TEXT COLLATE "C" PRIMARY KEY,
  stored_bytes BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE tenant_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_usage
  USING (tenant = current_setting('streamtune.tenant', true)
         OR current_setting('streamtune.cross_tenant', true) = 'on')
  WITH CHECK (tenant = current_setting('streamtune.tenant', true)
              OR current_setting('streamtune.cross_tenant', true) = 'on');

INSERT INTO tenant_usage (tenant, stored_bytes)
  SELECT tenant, SUM(COALESCE(octet_length(payload),
                              octet_length(snapshot::text) + octet_length(labels::text)))
    FROM snapshots GROUP BY tenant;

CREATE FUNCTION streamtune_count_snapshot_bytes() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  v_delta BIGINT := 0;
  v_tenant TEXT;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    v_tenant := NEW.tenant;
    v_delta := COALESCE(octet_length(NEW.payload),
                        octet_length(NEW.snapshot::text) + octet_length(NEW.labels::text));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    v_tenant := OLD.tenant;
    v_delta := v_delta - COALESCE(octet_length(OLD.payload),
        octet_length(OLD.snapshot::text) + octet_length(OLD.labels::text));
  END IF;
  INSERT INTO tenant_usage AS u (tenant, stored_bytes) VALUES (v_tenant, v_delta)
    ON CONFLICT (tenant) DO UPDATE SET stored_bytes = u.stored_bytes + EXCLUDED.stored_bytes;
  RETURN NULL;
END $$;

CREATE TRIGGER snapshots_count_bytes AFTER INSERT OR UPDATE OR DELETE ON snapshots
  FOR EACH ROW EXECUTE FUNCTION streamtune_count_snapshot_bytes();
)sql";

// Per-tenant quota overrides (NULL: the server's flag). Admin
// configuration that every replica reads in full, so its reads and writes
// are cross-tenant by design; the policy still keeps a query scoped to one
// tenant (streamtune.tenant) to that tenant's row.
//
// streamtune_scope_to_tenant(table) is the one statement of the tenant
// policy (the same as migrations 7 and 8 wrote out): a later migration that
// creates a tenant-scoped table calls it instead of copying the policy.
constexpr char kTenantQuotas[] = R"sql(
CREATE FUNCTION streamtune_scope_to_tenant(p_table regclass) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
  EXECUTE format(
    'CREATE POLICY tenant_rows ON %s'
    ' USING (tenant = current_setting(''streamtune.tenant'', true)'
    '        OR current_setting(''streamtune.cross_tenant'', true) = ''on'')'
    ' WITH CHECK (tenant = current_setting(''streamtune.tenant'', true)'
    '             OR current_setting(''streamtune.cross_tenant'', true) = ''on'')',
    p_table);
END $$;

CREATE TABLE tenant_quotas (
  tenant           TEXT COLLATE "C" PRIMARY KEY,
  calls_per_second DOUBLE PRECISION CHECK (calls_per_second >= 0),
  burst            DOUBLE PRECISION CHECK (burst >= 1),
  stored_bytes     BIGINT CHECK (stored_bytes >= 0),
  updated_at       TIMESTAMPTZ NOT NULL
);
SELECT streamtune_scope_to_tenant('tenant_quotas');
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "jobs, snapshots, recommendations, clusters, models", kInitialSchema},
      {2, "models.details (medoid, pretrain run)", kModelDetails},
      {3, "pretrain_runs (moved out of models)", kPretrainRuns},
      {4, "binary payloads, fine_tune_queue, streamtune_commit_decision",
       kDecisionPath},
      {5, "operations (long-running pre-training)", kOperations},
      {6, "api_tokens (authentication)", kApiTokens},
      {7, "row-level security by tenant", kRowLevelSecurity},
      {8, "tenant_usage (stored-bytes quota counter)", kTenantUsage},
      {9, "tenant_quotas (per-tenant quota overrides)", kTenantQuotas},
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
    // Migrations may move any tenant's rows: cross-tenant by design.
    txn.exec("SELECT set_config('streamtune.cross_tenant', 'on', true)");
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
