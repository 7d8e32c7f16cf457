// Nothing lost (ctest label faults): replicas behind nginx on a PostgreSQL of
// the test's own, started durable by deploy/pg/start.sh like every
// non-fixture PostgreSQL, under a bounded load of Recommend/ReportSnapshot
// calls while PostgreSQL is crashed (`pg_ctl stop -m immediate`) and
// restarted 5 s later, and then a replica is SIGKILLed. Asserted: clients
// whose deadline outlasts the outage see no error (their retries hide it),
// every acknowledged snapshot is stored exactly once, and a fixed ds2 answer
// is the same before and after.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/local/nginx_process.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "common/proto_json.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/replica_load.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

constexpr int kReplicas = 3;
constexpr int kKilledReplica = 1;
constexpr int kClientThreads = 2;
constexpr int kJobs = 6;  // job j belongs to thread j % kClientThreads
constexpr int kSnapshotsPerJob = 60;
constexpr int kTotalCalls = kJobs * kSnapshotsPerJob;
// How long PostgreSQL stays down: shorter than the clients' deadline.
constexpr absl::Duration kOutage = absl::Seconds(5);
// Longer than the outage as clients see it: kOutage plus PostgreSQL's crash
// recovery, which with fsync on first flushes its whole data directory
// (measured 7-8 s on a busy 2-core machine; the test prints it).
constexpr absl::Duration kClientDeadline = absl::Seconds(40);
constexpr int kFixedHistory = 8;  // snapshots before the fixed ds2 question

bool Recommends(int i) { return i % 2 == 0; }

// What must not depend on when or where it was computed.
v1::Recommendation Comparable(v1::Recommendation r) {
  r.clear_created_at();
  return r;
}

std::string RandomSuffix() {
  std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(random() % 1000000000);
}

// Polls `done` (a counter the client threads advance) until it reaches
// `target` or the deadline passes; returns the value seen last.
int WaitForProgress(const std::atomic<int>& done, int target, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (done < target && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(2));  // Polling interval.
  }
  return done;
}

// The sum over `replicas` (those still alive) of answers with `code`.
double AnswersWithCode(
    const std::vector<std::unique_ptr<local::ServerProcess>>& replicas,
    const std::string& code) {
  double sum = 0;
  for (int r = 0; r < static_cast<int>(replicas.size()); ++r) {
    if (r == kKilledReplica) continue;
    for (const char* method : {"Recommend", "ReportSnapshot"}) {
      sum += std::max(0.0, testing::RpcCount(*replicas[r], method, code));
    }
  }
  return sum;
}

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ParseJsonFile(STREAMTUNE_EXAMPLE_SNAPSHOT, &base_).ok());
    const char* dir = std::getenv("STREAMTUNE_FAULT_PG_DIR");
    ASSERT_NE(dir, nullptr) << "STREAMTUNE_FAULT_PG_DIR is not set";
    absl::StatusOr<std::unique_ptr<local::PrivatePostgres>> postgres =
        local::PrivatePostgres::Start(STREAMTUNE_DEPLOY_DIR, dir);
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_ = *std::move(postgres);
    postgres_->RemoveWhenStopped();  // Its data is the test's alone.
    // STREAMTUNE_TEST_DATABASE_URL_FILE names this PostgreSQL's admin_url
    // file (CMakeLists.txt): the scratch database lives on it.
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("faults");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    std::vector<std::string> backends;
    for (int r = 0; r < kReplicas; ++r) {
      local::ServerProcessOptions options;
      options.binary = STREAMTUNE_SERVER_BINARY;
      options.database_url = database_->url();
      options.extra_args = {"--db_pool_size=4", "--default_policy=ds2"};
      absl::StatusOr<std::unique_ptr<local::ServerProcess>> replica =
          local::ServerProcess::Start(options);
      ASSERT_TRUE(replica.ok()) << replica.status();
      backends.push_back((*replica)->target());
      replicas_.push_back(*std::move(replica));
    }
    local::NginxOptions nginx;
    nginx.deploy_dir = STREAMTUNE_DEPLOY_DIR;
    nginx.backends = backends;
    absl::StatusOr<std::unique_ptr<local::NginxProcess>> started =
        local::NginxProcess::Start(nginx);
    ASSERT_TRUE(started.ok()) << started.status();
    nginx_ = *std::move(started);
  }

  void TearDown() override {
    nginx_.reset();
    replicas_.clear();  // before the database they use is dropped
    database_.reset();
    postgres_.reset();
  }

  // A client of nginx with the library's default retry policy (until the
  // deadline) and `deadline` per call.
  std::unique_ptr<StreamTuneClient> Client(const std::string& tenant,
                                           absl::Duration deadline) {
    ClientOptions options;
    options.target = nginx_->target();
    options.tenant = tenant;
    options.call_timeout = deadline;
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
        StreamTuneClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Reports kFixedHistory snapshots of `job_id` and asks ds2 about the next.
  absl::StatusOr<v1::Recommendation> AskFixedQuestion(StreamTuneClient& client,
                                                      const std::string& job_id) {
    v1::SnapshotRequest request;
    request.set_policy("ds2");
    for (int i = 0; i < kFixedHistory; ++i) {
      *request.mutable_snapshot() = testing::VariedSnapshot(base_, job_id, i, 0.7);
      absl::Status reported = client.ReportSnapshot(request).status();
      if (!reported.ok()) return reported;
    }
    *request.mutable_snapshot() =
        testing::VariedSnapshot(base_, job_id, kFixedHistory, 0.7);
    return client.Recommend(request);
  }

  v1::Snapshot base_;
  std::unique_ptr<local::PrivatePostgres> postgres_;
  std::unique_ptr<testing::ScratchDatabase> database_;
  std::vector<std::unique_ptr<local::ServerProcess>> replicas_;
  std::unique_ptr<local::NginxProcess> nginx_;
};

TEST_F(FaultTest, PostgresCrashAndReplicaKillLoseNothingAcknowledged) {
  // The test's PostgreSQL runs as users' do: durable.
  {
    pqxx::connection db(database_->url());
    pqxx::nontransaction txn(db);
    for (const char* setting : {"fsync", "synchronous_commit", "full_page_writes"}) {
      EXPECT_EQ(txn.exec1(absl::StrCat("SHOW ", setting))[0].as<std::string>(), "on")
          << setting;
    }
  }
  const std::string tenant = "faults-" + RandomSuffix();
  std::unique_ptr<StreamTuneClient> patient = Client(tenant, kClientDeadline);
  ASSERT_NE(patient, nullptr);
  ASSERT_TRUE(patient->WaitUntilServing(absl::Seconds(30)).ok()) << nginx_->log();

  absl::StatusOr<v1::Recommendation> fixed_before = AskFixedQuestion(*patient, "fixed");
  ASSERT_TRUE(fixed_before.ok()) << fixed_before.status();

  // The load: each thread sends its jobs' snapshots in order, round-robin
  // over its jobs. A call that fails is counted and sent again with the same
  // snapshot id (idempotent) until acknowledged.
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  absl::Mutex mu;
  std::vector<std::string> failures;
  std::map<std::pair<std::string, std::string>, int> acknowledged;  // (job, id)
  absl::Duration slowest_call;
  absl::Time slowest_start;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClientThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSnapshotsPerJob; ++i) {
        for (int job = t; job < kJobs; job += kClientThreads) {
          v1::SnapshotRequest request;
          const std::string job_id = absl::StrCat("load-", job);
          *request.mutable_snapshot() = testing::VariedSnapshot(base_, job_id, i, job);
          request.set_policy("ds2");
          for (int attempt = 1;; ++attempt) {
            const absl::Time start = absl::Now();
            const absl::Status status = Recommends(i)
                                            ? patient->Recommend(request).status()
                                            : patient->ReportSnapshot(request).status();
            absl::MutexLock lock(&mu);
            if (absl::Now() - start > slowest_call) {
              slowest_call = absl::Now() - start;
              slowest_start = start;
            }
            if (status.ok()) {
              ++acknowledged[{job_id, request.snapshot().snapshot_id()}];
              break;
            }
            ++failed;
            failures.push_back(absl::StrCat(job_id, " ", i, ": ", status.ToString()));
            if (attempt == 5) break;  // reported below; the run must end
          }
          ++done;
        }
      }
    });
  }

  // (a) PostgreSQL crashes a quarter into the load and stays down kOutage.
  const int done_before_crash =
      WaitForProgress(done, kTotalCalls / 4, absl::Seconds(60));
  const absl::Status crashed = postgres_->Crash();
  const absl::Time crashed_at = absl::Now();
  const int done_at_crash = done;
  // A client whose deadline is shorter than the outage sees it.
  std::unique_ptr<StreamTuneClient> hasty = Client(tenant, absl::Seconds(1));
  v1::SnapshotRequest probe;
  *probe.mutable_snapshot() = testing::VariedSnapshot(base_, "probe", 0, 0);
  probe.set_policy("ds2");
  const absl::Status hasty_status = hasty->Recommend(probe).status();
  // The rest of the outage: the fault being injected, not a wait for an event.
  absl::SleepFor(kOutage - (absl::Now() - crashed_at));
  const int done_during_outage = done - done_at_crash;
  const absl::Status restarted = postgres_->Restart();
  const absl::Time restarted_at = absl::Now();

  // (b) A replica is SIGKILLed two thirds into the load.
  const int done_before_kill =
      WaitForProgress(done, 2 * kTotalCalls / 3, absl::Seconds(120));
  const absl::StatusOr<int> killed =
      replicas_[kKilledReplica]->Stop(SIGKILL, absl::Seconds(10));
  for (std::thread& thread : threads) thread.join();

  ASSERT_TRUE(crashed.ok()) << crashed;
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(*killed, 128 + SIGKILL);
  EXPECT_LT(done_before_crash, kTotalCalls) << "the crash came after the load";
  EXPECT_LT(done_before_kill, kTotalCalls) << "the kill came after the load";
  // With PostgreSQL down nothing can be acknowledged, beyond one call per
  // thread that had committed as the crash began.
  EXPECT_LE(done_during_outage, kClientThreads);
  EXPECT_FALSE(hasty_status.ok()) << "a 1 s call succeeded with PostgreSQL down";

  // The patient probe gets the same snapshot stored once after all.
  ASSERT_TRUE(patient->Recommend(probe).ok());

  const double unavailable_answers = AnswersWithCode(replicas_, "UNAVAILABLE");
  const absl::Duration downtime = restarted_at - crashed_at;
  std::printf(
      "faults: %d calls (Recommend/ReportSnapshot, ds2, %d jobs, %d client threads, "
      "deadline %s): %zu acknowledged, %d failed after the client's retries\n"
      "faults: PostgreSQL crashed at call %d, down %s (%s held + start.sh with crash "
      "recovery), %d calls acknowledged meanwhile; surviving replicas answered "
      "UNAVAILABLE %.0f times, each retried by the client\n"
      "faults: slowest call %s, started %+.2f s from the crash, ended %.2f s after "
      "PostgreSQL was back\n"
      "faults: replica %d SIGKILLed at call %d; a 1 s-deadline call during the "
      "outage: %s\n",
      kTotalCalls, kJobs, kClientThreads, absl::FormatDuration(kClientDeadline).c_str(),
      acknowledged.size(), failed.load(), done_at_crash,
      absl::FormatDuration(absl::Trunc(downtime, absl::Milliseconds(10))).c_str(),
      absl::FormatDuration(kOutage).c_str(), done_during_outage, unavailable_answers,
      absl::FormatDuration(absl::Trunc(slowest_call, absl::Milliseconds(10))).c_str(),
      absl::ToDoubleSeconds(slowest_start - crashed_at),
      absl::ToDoubleSeconds(slowest_start + slowest_call - restarted_at),
      kKilledReplica, done_before_kill,
      std::string(absl::StatusCodeToString(hasty_status.code())).c_str());
  std::fflush(stdout);

  // The outage cost latency, not errors.
  EXPECT_EQ(failed.load(), 0) << ::testing::PrintToString(failures);
  EXPECT_EQ(acknowledged.size(), static_cast<size_t>(kTotalCalls));
  EXPECT_GE(slowest_call, kOutage) << "no call waited out the outage";
  EXPECT_LT(downtime, kClientDeadline) << "the outage outlasted the deadline";
  EXPECT_GT(unavailable_answers, 0) << "no call met the outage";

  // Every acknowledged snapshot is stored exactly once.
  pqxx::connection db(database_->url());
  pqxx::work txn(db);
  std::map<std::pair<std::string, std::string>, int> stored;
  for (const pqxx::row& row : txn.exec_params(
           "SELECT job_id, snapshot_id, count(*) FROM snapshots WHERE tenant = $1 AND "
           "job_id LIKE 'load-%' GROUP BY job_id, snapshot_id",
           tenant)) {
    stored[{row[0].as<std::string>(), row[1].as<std::string>()}] = row[2].as<int>();
  }
  for (const auto& [key, times] : acknowledged) {
    EXPECT_EQ(stored[key], 1) << key.first << "/" << key.second << " stored "
                              << stored[key] << " times";
  }
  EXPECT_EQ(stored.size(), acknowledged.size());
  EXPECT_EQ(txn.exec_params1("SELECT count(*) FROM snapshots WHERE tenant = $1 AND "
                             "job_id = 'probe'",
                             tenant)[0]
                .as<int>(),
            1);

  // The fixed ds2 question: asked again (its stored answer, across the
  // crash) and asked afresh of another job with the same history.
  v1::SnapshotRequest again;
  *again.mutable_snapshot() =
      testing::VariedSnapshot(base_, "fixed", kFixedHistory, 0.7);
  again.set_policy("ds2");
  absl::StatusOr<v1::Recommendation> fixed_again = patient->Recommend(again);
  absl::StatusOr<v1::Recommendation> fixed_afresh =
      AskFixedQuestion(*Client(tenant + "-after", kClientDeadline), "fixed");
  ASSERT_TRUE(fixed_again.ok()) << fixed_again.status();
  ASSERT_TRUE(fixed_afresh.ok()) << fixed_afresh.status();
  using google::protobuf::util::MessageDifferencer;
  EXPECT_TRUE(MessageDifferencer::Equals(*fixed_again, *fixed_before))
      << fixed_again->ShortDebugString() << "\nvs\n"
      << fixed_before->ShortDebugString();
  EXPECT_TRUE(
      MessageDifferencer::Equals(Comparable(*fixed_afresh), Comparable(*fixed_before)))
      << fixed_afresh->ShortDebugString() << "\nvs\n"
      << fixed_before->ShortDebugString();
}

}  // namespace
}  // namespace streamtune
