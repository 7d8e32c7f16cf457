// Row-level security (migration 7) where it applies: the service connects
// as the tables' owner, an ordinary role (superusers and BYPASSRLS roles
// skip every policy). The whole store conformance suite runs as such an
// owner, on a database of its own, so every PostgresStore method is shown
// to set its row scope; and a query run under the wrong tenant (a bug in
// one query) reads and writes nothing.
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/postgres_store.h"
#include "storage/store_conformance.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

// A database owned by an ordinary role of its own (no SUPERUSER, no
// BYPASSRLS), for this test process; dropped with the role at exit.
class OwnedDatabase {
 public:
  OwnedDatabase() {
    absl::StatusOr<std::string> admin = testing::TestDatabaseUrl();
    if (!admin.ok()) {
      error_ = admin.status().ToString();
      return;
    }
    admin_url_ = *admin;
    std::mt19937_64 random{std::random_device{}()};
    role_ = absl::StrCat("streamtune_owner_", random() % 1000000000);
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> db =
        testing::ScratchDatabase::Create("row_security");
    if (!db.ok()) {
      error_ = db.status().ToString();
      return;
    }
    database_ = *std::move(db);
    try {
      pqxx::connection connection(admin_url_);
      pqxx::nontransaction txn(connection);
      txn.exec(absl::StrCat("CREATE ROLE ", role_,
                            " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"));
      txn.exec(absl::StrCat("ALTER DATABASE ", database_->name(), " OWNER TO ", role_));
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    // The fixture's URL names its superuser, postgres.
    url_ = absl::StrReplaceAll(
        database_->url(),
        {{"postgresql://postgres@", absl::StrCat("postgresql://", role_, "@")}});
  }
  ~OwnedDatabase() {
    database_.reset();  // Drops the database, so the role owns nothing.
    try {
      pqxx::connection connection(admin_url_);
      pqxx::nontransaction(connection)
          .exec(absl::StrCat("DROP ROLE IF EXISTS ", role_));
    } catch (const std::exception&) {
      // The fixture's PostgreSQL goes at the end of the run.
    }
  }

  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }

 private:
  std::string admin_url_;
  std::string role_;
  std::unique_ptr<testing::ScratchDatabase> database_;
  std::string url_;
  std::string error_;
};

const OwnedDatabase& Owned() {
  static const OwnedDatabase* owned = new OwnedDatabase();
  return *owned;
}

std::unique_ptr<Store> ConnectAsOwner() {
  if (!Owned().error().empty()) {
    ADD_FAILURE() << "owned database: " << Owned().error();
    return nullptr;
  }
  PostgresStoreOptions options;
  options.database_url = Owned().url();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Create(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::move(*store);
}

// The database is this process's own: it is isolated already.
const StoreFactory kOwner{"postgres_owner", ConnectAsOwner, nullptr};

INSTANTIATE_TEST_SUITE_P(PostgresOwner, StoreConformanceTest,
                         ::testing::Values(kOwner));
INSTANTIATE_TEST_SUITE_P(PostgresOwner, DecisionPathTest, ::testing::Values(kOwner));

// Runs `sql` in one transaction on a raw connection as the owner, after
// `scope` ("" for none, else a statement setting the row scope). Returns
// the first column of the first row, or the error's message.
std::string Query(const std::string& scope, const std::string& sql) {
  try {
    pqxx::connection connection(Owned().url());
    pqxx::work txn(connection);
    if (!scope.empty()) txn.exec(scope);
    pqxx::result r = txn.exec(sql);
    txn.commit();
    return r.empty() || r.columns() == 0 ? "" : r[0][0].c_str();
  } catch (const std::exception& e) {
    return absl::StrCat("error: ", e.what());
  }
}

std::string AsTenant(const std::string& tenant) {
  return absl::StrCat("SELECT set_config('streamtune.tenant', '", tenant, "', true)");
}

class RowSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = ConnectAsOwner();
    ASSERT_NE(store_, nullptr);
    a_ = RandomTenant();
    b_ = RandomTenant();
    ASSERT_TRUE(store_
                    ->PutSnapshotAndRecommendation(a_, TestSnapshot("job", "s1", 100),
                                                   TestRecommendation("ds2", 3))
                    .ok());
  }
  std::unique_ptr<Store> store_;
  std::string a_, b_;
};

TEST_F(RowSecurityTest, AQueryUnderAnotherTenantSeesNothing) {
  const std::string count_a = absl::StrCat(
      "SELECT count(*) FROM snapshots WHERE tenant = '", a_, "' AND job_id = 'job'");
  EXPECT_EQ(Query(AsTenant(a_), count_a), "1");
  // The bug: tenant A's query runs with tenant B set.
  EXPECT_EQ(Query(AsTenant(b_), count_a), "0");
  for (const char* table : {"jobs", "snapshots", "recommendations"}) {
    // A query that forgot its tenant predicate sees only B's rows: none.
    EXPECT_EQ(Query(AsTenant(b_), absl::StrCat("SELECT count(*) FROM ", table)), "0")
        << table;
  }
  // No scope at all: nothing (fail closed).
  EXPECT_EQ(Query("", count_a), "0");
  // The explicit cross-tenant scope sees A's rows.
  EXPECT_EQ(Query("SELECT set_config('streamtune.cross_tenant', 'on', true)", count_a),
            "1");
}

TEST_F(RowSecurityTest, AWriteUnderAnotherTenantChangesNothing) {
  const std::string insert = absl::StrCat(
      "INSERT INTO jobs (tenant, job_id, engine, dag_fingerprint, first_observed_at,"
      " last_observed_at) VALUES ('",
      a_, "', 'other', 1, 'x', now(), now())");
  const std::string refused = Query(AsTenant(b_), insert);
  EXPECT_NE(refused.find("row-level security"), std::string::npos) << refused;
  EXPECT_EQ(Query(AsTenant(b_),
                  absl::StrCat("UPDATE jobs SET last_policy = 'x' WHERE tenant = '", a_,
                               "' RETURNING 1")),
            "");
  EXPECT_EQ(Query(AsTenant(b_), absl::StrCat("DELETE FROM recommendations WHERE tenant"
                                             " = '",
                                             a_, "' RETURNING 1")),
            "");
  // A's history is intact, and A may write its own rows.
  auto job = store_->GetJob(a_, "job");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_EQ(job->last_policy(), "ds2");
  EXPECT_EQ(Query(AsTenant(a_), insert), "");
  EXPECT_TRUE(store_->GetJob(a_, "other").ok());
}

TEST_F(RowSecurityTest, TheServiceRoleIsSubjectToThePolicies) {
  // FORCE: the owner is not exempt. (A superuser would be: the service must
  // not connect as one for the policies to mean anything.)
  EXPECT_EQ(Query("",
                  "SELECT relforcerowsecurity::text FROM pg_class"
                  " WHERE relname = 'snapshots'"),
            "true");
  EXPECT_EQ(Query("",
                  "SELECT (rolsuper OR rolbypassrls)::text FROM pg_roles"
                  " WHERE rolname = current_user"),
            "false");
  // Every table but the migrations' and the API tokens' (a call's token is
  // read before its tenant is known) is under the policies.
  EXPECT_EQ(Query("",
                  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                  " AND tablename NOT IN ('schema_migrations', 'api_tokens')"
                  " AND NOT rowsecurity"),
            "0");
}

}  // namespace
}  // namespace streamtune
