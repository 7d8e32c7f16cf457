// Runs the Store conformance suite against PostgresStore, plus what only a
// real database has: migrations, connection failures, durability, the pool.
// The database URL is read from the file named by the environment variable
// STREAMTUNE_TEST_DATABASE_URL_FILE (ctest's `postgres` fixture writes it);
// without it every test here fails rather than silently skipping.
#include "storage/postgres_store.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/retry_after.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/in_memory_store.h"
#include "storage/migrations.h"
#include "storage/postgres_pool.h"
#include "storage/store_conformance.h"

namespace streamtune {
namespace {

constexpr char kUrlFileEnv[] = "STREAMTUNE_TEST_DATABASE_URL_FILE";

absl::StatusOr<std::string> ReadDatabaseUrl() {
  const char* file = std::getenv(kUrlFileEnv);
  if (file == nullptr || *file == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        kUrlFileEnv,
        " is not set: run these tests through ctest (fixture "
        "'postgres') or point it at the url file deploy/pg/start.sh writes"));
  }
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string url(absl::StripAsciiWhitespace(text.str()));
  if (!in || url.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(kUrlFileEnv, "=", file,
                     ": no database URL there; is the private "
                     "PostgreSQL running (deploy/pg/start.sh)?"));
  }
  return url;
}

// The test database URL; fails the current test when there is none.
std::string DatabaseUrl() {
  absl::StatusOr<std::string> url = ReadDatabaseUrl();
  if (!url.ok()) {
    ADD_FAILURE() << url.status();
    return "";
  }
  return *url;
}

std::unique_ptr<PostgresStore> Connect(const std::string& url) {
  if (url.empty()) return nullptr;
  PostgresStoreOptions options;
  options.database_url = url;
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Create(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::move(*store);
}

// `url` with its database replaced by `database` (and any query kept).
std::string WithDatabase(const std::string& url, const std::string& database) {
  const size_t query = url.find('?');
  const size_t slash = url.rfind('/', query);
  return absl::StrCat(url.substr(0, slash + 1), database,
                      query == std::string::npos ? "" : url.substr(query));
}

std::string WithParameter(const std::string& url, const std::string& param) {
  return absl::StrCat(url, url.find('?') == std::string::npos ? "?" : "&", param);
}

// A database of its own for tests that need an empty schema or break it.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string admin_url)
      : admin_url_(std::move(admin_url)),
        name_(absl::StrCat("streamtune_scratch_", RandomTenant().substr(2, 16))) {
    Exec(absl::StrCat("CREATE DATABASE ", name_));
  }
  ~ScratchDatabase() { Exec(absl::StrCat("DROP DATABASE ", name_, " WITH (FORCE)")); }
  std::string url() const { return WithDatabase(admin_url_, name_); }
  void Exec(const std::string& sql) const { Exec(admin_url_, sql); }
  static void Exec(const std::string& url, const std::string& sql) {
    pqxx::connection connection(url);
    pqxx::nontransaction txn(connection);
    txn.exec(sql);
  }

 private:
  const std::string admin_url_;
  const std::string name_;
};

// A store on a scratch database of this test process (created on first
// use, dropped at exit): the fine-tuning queue is claimed across tenants,
// and streamtuned replicas of other tests share the test database.
std::unique_ptr<Store> ConnectIsolated() {
  const std::string url = DatabaseUrl();
  if (url.empty()) return nullptr;
  static const ScratchDatabase scratch(url);
  return Connect(scratch.url());
}

const StoreFactory kPostgres{"postgres", [] { return Connect(DatabaseUrl()); },
                             ConnectIsolated};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest, ::testing::Values(kPostgres));
INSTANTIATE_TEST_SUITE_P(Postgres, DecisionPathTest, ::testing::Values(kPostgres));

int64_t CountMigrations(const std::string& url) {
  pqxx::connection connection(url);
  pqxx::work txn(connection);
  return txn.exec1("SELECT count(*) FROM schema_migrations")[0].as<int64_t>();
}

TEST(PostgresStore, FindsTheDatabaseUrl) {
  // Documents the contract above: the suite fails, never skips, when the
  // fixture did not run. Here the variable is set, so the URL must load.
  ASSERT_TRUE(ReadDatabaseUrl().ok()) << ReadDatabaseUrl().status();
}

TEST(PostgresStore, MigrationsAreIdempotent) {
  const std::string url = DatabaseUrl();
  ASSERT_FALSE(url.empty());
  ASSERT_NE(Connect(url), nullptr);
  ASSERT_NE(Connect(url), nullptr);
  EXPECT_EQ(CountMigrations(url), static_cast<int64_t>(Migrations().size()));
}

TEST(PostgresStore, ReplicasStartingTogetherMigrateOnce) {
  const std::string admin = DatabaseUrl();
  ASSERT_FALSE(admin.empty());
  ScratchDatabase db(admin);
  std::vector<absl::Status> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      PostgresStoreOptions options;
      options.database_url = db.url();
      results[i] = PostgresStore::Create(options).status();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountMigrations(db.url()), static_cast<int64_t>(Migrations().size()));
}

TEST(PostgresStore, UnreachableDatabaseIsUnavailable) {
  PostgresStoreOptions options;
  options.database_url = "postgresql://postgres@127.0.0.1:1/streamtune";
  options.connect_timeout = absl::Seconds(2);
  auto store = PostgresStore::Create(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(store.status().message(), "postgres: cannot connect:"))
      << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "127.0.0.1"))
      << store.status();

  options.database_url = "postgresql://user:secret@[not a url";
  store = PostgresStore::Create(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(absl::StrContains(store.status().message(), "secret")) << store.status();
}

TEST(PostgresStore, DataSurvivesANewStore) {
  const std::string url = DatabaseUrl();
  const std::string tenant = RandomTenant();
  v1::StoredSnapshot snapshot;
  snapshot.mutable_snapshot()->set_job_id("job");
  snapshot.mutable_snapshot()->set_snapshot_id("s1");
  v1::Model model;
  model.set_model_id("m");
  {
    auto store = Connect(url);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutSnapshot(tenant, snapshot).ok());
    ASSERT_TRUE(store->PutModel(tenant, model, std::string("w\0w", 3)).ok());
  }
  auto store = Connect(url);
  ASSERT_NE(store, nullptr);
  auto job = store->GetJob(tenant, "job");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->snapshot_count(), 1);
  auto weights = store->GetModelWeights(tenant, "m", 0);
  ASSERT_TRUE(weights.ok()) << weights.status();
  EXPECT_EQ(*weights, std::string("w\0w", 3));
}

TEST(PostgresStore, RecoversWhenTheServerDropsConnections) {
  const std::string url = DatabaseUrl();
  ASSERT_FALSE(url.empty());
  const std::string app = absl::StrCat("st", RandomTenant().substr(2, 16));
  auto store = Connect(WithParameter(url, "application_name=" + app));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Ping().ok());
  ScratchDatabase::Exec(
      url, absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = '",
                        app, "'"));
  // The pooled connection is dead; the store retries once on a new one.
  EXPECT_TRUE(store->Ping().ok());
  EXPECT_TRUE(store->ListJobs(RandomTenant(), PageRequest()).ok());
}

TEST(PostgresStore, ErrorsNameTheOperationButNoSql) {
  const std::string admin = DatabaseUrl();
  ASSERT_FALSE(admin.empty());
  ScratchDatabase db(admin);
  auto store = Connect(db.url());
  ASSERT_NE(store, nullptr);
  ScratchDatabase::Exec(db.url(), "ALTER TABLE snapshots RENAME TO gone");
  v1::StoredSnapshot snapshot;
  snapshot.mutable_snapshot()->set_job_id("job");
  snapshot.mutable_snapshot()->set_snapshot_id("s1");
  absl::Status status = store->PutSnapshot("t", snapshot).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(status.message(), "PutSnapshot")) << status;
  for (const char* word : {"SELECT", "INSERT", "snapshots", "WHERE"}) {
    EXPECT_FALSE(absl::StrContains(status.message(), word)) << status;
  }
  store.reset();  // close its connections before the database is dropped
}

// Clears what each store stamps from its own clock.
template <typename T>
T WithoutClock(T message) {
  if constexpr (std::is_same_v<T, v1::StoredSnapshot>) {
    message.clear_received_at();
  } else if constexpr (std::is_same_v<T, v1::Model>) {
    message.clear_created_at();
  }
  return message;
}

template <typename T>
::testing::AssertionResult SameResult(const absl::StatusOr<T>& actual,
                                      const absl::StatusOr<T>& expected) {
  if (actual.status().code() != expected.status().code()) {
    return ::testing::AssertionFailure()
           << actual.status() << " vs model's " << expected.status();
  }
  if (!actual.ok()) return ::testing::AssertionSuccess();
  return ProtoEq(WithoutClock(*actual), WithoutClock(*expected));
}

template <typename T>
::testing::AssertionResult SameItems(const std::vector<T>& actual,
                                     const std::vector<T>& expected) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << actual.size() << " items vs model's " << expected.size();
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    auto same = ProtoEq(WithoutClock(actual[i]), WithoutClock(expected[i]));
    if (!same) return same << " at item " << i;
  }
  return ::testing::AssertionSuccess();
}

// Every page of a listing, or the status that ended it.
template <typename T, typename List>
absl::StatusOr<std::vector<T>> Drain(int page_size, List list) {
  std::vector<T> all;
  PageRequest page;
  page.page_size = page_size;
  do {
    absl::StatusOr<Page<T>> got = list(page);
    if (!got.ok()) return got.status();
    all.insert(all.end(), got->items.begin(), got->items.end());
    page.page_token = got->next_page_token;
  } while (!page.page_token.empty());
  return all;
}

template <typename T>
::testing::AssertionResult SameList(const absl::StatusOr<std::vector<T>>& a,
                                    const absl::StatusOr<std::vector<T>>& b) {
  if (a.status().code() != b.status().code()) {
    return ::testing::AssertionFailure() << a.status() << " vs model's " << b.status();
  }
  return a.ok() ? SameItems(*a, *b) : ::testing::AssertionSuccess();
}

// As LevelDB checks its DB against ModelDB: random operations on a few keys,
// every answer compared with the in-memory store's.
TEST(PostgresStore, MatchesTheInMemoryModel) {
  auto pg = Connect(DatabaseUrl());
  ASSERT_NE(pg, nullptr);
  InMemoryStore model;
  const std::string tenant = RandomTenant();
  const uint32_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 rng(seed);
  auto pick = [&rng](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  for (int step = 0; step < 300; ++step) {
    SCOPED_TRACE(absl::StrCat("step ", step));
    const std::string job = absl::StrCat("job-", pick(3));
    const int n = pick(12);
    const std::string id = absl::StrCat("s", n);
    // Two contents per id, so a retry of an id may conflict; observed times
    // run against the order of storing.
    const v1::StoredSnapshot snapshot =
        TestSnapshot(job, id, 1000 - 10 * n, 2 + pick(2));
    const std::string model_id = absl::StrCat("m", pick(2));
    const int page_size = 1 + pick(4);
    switch (pick(9)) {
      case 0: {
        auto a = pg->PutSnapshot(tenant, snapshot);
        auto b = model.PutSnapshot(tenant, snapshot);
        ASSERT_EQ(a.status().code(), b.status().code()) << a.status();
        if (a.ok()) {
          EXPECT_EQ(a->stored, b->stored);
          EXPECT_EQ(a->sequence, b->sequence);
        }
        break;
      }
      case 1: {
        v1::Recommendation r =
            TestRecommendation(absl::StrCat("policy-", pick(3)), 1 + pick(9));
        ASSERT_TRUE(
            SameResult(pg->PutSnapshotAndRecommendation(tenant, snapshot, r),
                       model.PutSnapshotAndRecommendation(tenant, snapshot, r)));
        break;
      }
      case 2:
        ASSERT_TRUE(SameResult(pg->GetJob(tenant, job), model.GetJob(tenant, job)));
        break;
      case 3: {
        auto a = pg->FindSnapshot(tenant, job, id);
        auto b = model.FindSnapshot(tenant, job, id);
        ASSERT_TRUE(a.ok() && b.ok());
        ASSERT_EQ(a->has_value(), b->has_value());
        if (a->has_value()) {
          ASSERT_TRUE(ProtoEq(WithoutClock(**a), WithoutClock(**b)));
        }
        auto c = pg->FindRecommendation(tenant, job, id);
        auto d = model.FindRecommendation(tenant, job, id);
        ASSERT_TRUE(c.ok() && d.ok());
        ASSERT_EQ(c->has_value(), d->has_value());
        if (c->has_value()) {
          ASSERT_TRUE(ProtoEq(**c, **d));
        }
        break;
      }
      case 4:
        ASSERT_TRUE(SameList(
            Drain<v1::StoredSnapshot>(page_size,
                                      [&](const PageRequest& p) {
                                        return pg->ListSnapshots(tenant, job, p);
                                      }),
            Drain<v1::StoredSnapshot>(page_size, [&](const PageRequest& p) {
              return model.ListSnapshots(tenant, job, p);
            })));
        ASSERT_TRUE(SameList(
            Drain<v1::Recommendation>(page_size,
                                      [&](const PageRequest& p) {
                                        return pg->ListRecommendations(tenant, job, p);
                                      }),
            Drain<v1::Recommendation>(page_size, [&](const PageRequest& p) {
              return model.ListRecommendations(tenant, job, p);
            })));
        break;
      case 5: {
        const int limit = pick(5);
        ASSERT_TRUE(SameList(pg->RecentSnapshots(tenant, job, limit),
                             model.RecentSnapshots(tenant, job, limit)));
        ASSERT_TRUE(SameList(pg->RecentRecommendations(tenant, job, limit),
                             model.RecentRecommendations(tenant, job, limit)));
        break;
      }
      case 6: {
        v1::Model m;
        m.set_model_id(model_id);
        (*m.mutable_metrics())["step"] = step;
        const std::string weights(static_cast<size_t>(pick(5)), '\0');
        ASSERT_TRUE(SameResult(pg->PutModel(tenant, m, weights),
                               model.PutModel(tenant, m, weights)));
        break;
      }
      case 7: {
        const int version = pick(4);
        ASSERT_TRUE(SameResult(pg->GetModel(tenant, model_id, version),
                               model.GetModel(tenant, model_id, version)));
        auto a = pg->GetModelWeights(tenant, model_id, version);
        auto b = model.GetModelWeights(tenant, model_id, version);
        ASSERT_EQ(a.status().code(), b.status().code());
        if (a.ok()) {
          ASSERT_EQ(*a, *b);
        }
        break;
      }
      case 8:
        ASSERT_TRUE(SameList(Drain<v1::Job>(page_size,
                                            [&](const PageRequest& p) {
                                              return pg->ListJobs(tenant, p);
                                            }),
                             Drain<v1::Job>(page_size, [&](const PageRequest& p) {
                               return model.ListJobs(tenant, p);
                             })));
        ASSERT_TRUE(SameList(Drain<v1::Model>(page_size,
                                              [&](const PageRequest& p) {
                                                return pg->ListModels(tenant, p);
                                              }),
                             Drain<v1::Model>(page_size, [&](const PageRequest& p) {
                               return model.ListModels(tenant, p);
                             })));
        break;
    }
  }
}

TEST(PostgresPool, BorrowTimesOutWhenAllConnectionsAreLent) {
  PostgresPoolOptions options;
  options.url = DatabaseUrl();
  ASSERT_FALSE(options.url.empty());
  options.size = 1;
  options.acquire_timeout = absl::Milliseconds(200);
  auto pool = PostgresPool::Create(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  {
    auto lease = (*pool)->Borrow();
    ASSERT_TRUE(lease.ok()) << lease.status();
    const absl::Time start = absl::Now();
    auto second = (*pool)->Borrow();
    EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(RetryAfterOf(second.status()), options.overload_pushback);
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  }
  EXPECT_TRUE((*pool)->Borrow().ok());
}

TEST(PostgresStore, ADecisionIsStoredWhollyOrNotAtAll) {
  // A failure injected into the last piece of the write (the fine-tuning
  // request) after snapshot, answer and job summary were written: none of
  // them may remain.
  const std::string url = DatabaseUrl();
  ASSERT_FALSE(url.empty());
  ScratchDatabase scratch(url);
  std::unique_ptr<PostgresStore> store = Connect(scratch.url());
  ASSERT_NE(store, nullptr);
  ScratchDatabase::Exec(scratch.url(), R"sql(
    CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
    CREATE TRIGGER refuse_fine_tuning BEFORE INSERT ON fine_tune_queue
      FOR EACH ROW EXECUTE FUNCTION refuse();
  )sql");
  const std::string tenant = RandomTenant();
  v1::Recommendation answer = TestRecommendation("streamtune", 3);
  answer.set_cluster_id("cluster-0");
  answer.set_model_version(1);
  const FineTuneRequest fine_tune{tenant, "run.cluster-0", 1};
  auto stored = store->PutSnapshotAndRecommendation(
      tenant, TestSnapshot("j", "s1", 100), answer, fine_tune);
  EXPECT_FALSE(stored.ok());
  EXPECT_EQ(store->GetJob(tenant, "j").status().code(), absl::StatusCode::kNotFound);
  auto snapshot = store->FindSnapshot(tenant, "j", "s1");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_FALSE(snapshot->has_value());
  auto recommendation = store->FindRecommendation(tenant, "j", "s1");
  ASSERT_TRUE(recommendation.ok()) << recommendation.status();
  EXPECT_FALSE(recommendation->has_value());
  // Without the fault the same write goes through, whole.
  ScratchDatabase::Exec(scratch.url(),
                        "DROP TRIGGER refuse_fine_tuning ON fine_tune_queue");
  stored = store->PutSnapshotAndRecommendation(tenant, TestSnapshot("j", "s1", 100),
                                               answer, fine_tune);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto job = store->GetJob(tenant, "j");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_TRUE(job->fine_tune_pending());
}

}  // namespace
}  // namespace streamtune
