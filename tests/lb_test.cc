// Scale-out, for real on loopback (ctest label lb): three streamtuned
// replicas on one PostgreSQL behind nginx (deploy/nginx/, the same config the
// compose file uses). Concurrent Recommend and ReportSnapshot traffic goes
// through nginx while one replica is killed with SIGKILL; every call must
// succeed (with the client's retries), PostgreSQL must hold every snapshot
// exactly once, and a job's answers must not depend on which replica
// computed them.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/local/nginx_process.h"
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
constexpr int kJobs = 6;
constexpr int kSnapshotsPerJob = 24;
constexpr int kKilledReplica = 1;
const char* const kPolicies[] = {"ds2", "flink-autoscaler", "conttune"};

// Snapshot `i` of job `job`: the shared linear-chain example under another
// id, with a load that varies by job and snapshot.
v1::Snapshot MakeSnapshot(const v1::Snapshot& base, int job, int i) {
  return testing::VariedSnapshot(base, absl::StrCat("lb-job-", job), i, job);
}

// Even snapshots ask for advice, odd ones only report.
bool Recommends(int i) { return i % 2 == 0; }

// What must not depend on the replica: everything but created_at.
v1::Recommendation Comparable(v1::Recommendation r) {
  r.clear_created_at();
  return r;
}

// The replica's streamtune_rpcs_total{method="Recommend",code="OK"}, or -1.
double RecommendCalls(const local::ServerProcess& replica) {
  return testing::RpcCount(replica, "Recommend", "OK");
}

std::string RandomSuffix() {
  std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(random() % 1000000000);
}

class LoadBalancerTest : public ::testing::Test {
 protected:
  // Failures are recorded and reported by SetUp: an assertion here would
  // turn the test into a skip.
  static void SetUpTestSuite() {
    absl::Status status = StartStack();
    if (!status.ok()) startup_error_ = new std::string(status.ToString());
  }

  static absl::Status StartStack() {
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("lb");
    if (!database.ok()) return database.status();
    database_ = database->release();
    const std::string* url = &database_->url();
    replicas_ = new std::vector<std::unique_ptr<local::ServerProcess>>();
    std::vector<std::string> backends;
    for (int r = 0; r < kReplicas; ++r) {
      local::ServerProcessOptions options;
      options.binary = STREAMTUNE_SERVER_BINARY;
      options.database_url = *url;
      options.extra_args = {"--db_pool_size=4"};
      absl::StatusOr<std::unique_ptr<local::ServerProcess>> replica =
          local::ServerProcess::Start(options);
      if (!replica.ok()) return replica.status();
      backends.push_back((*replica)->target());
      replicas_->push_back(*std::move(replica));
    }
    local::NginxOptions nginx;
    nginx.deploy_dir = STREAMTUNE_DEPLOY_DIR;
    nginx.backends = backends;
    absl::StatusOr<std::unique_ptr<local::NginxProcess>> started =
        local::NginxProcess::Start(nginx);
    if (!started.ok()) return started.status();
    nginx_ = started->release();
    return absl::OkStatus();
  }

  static void TearDownTestSuite() {
    delete nginx_;
    delete replicas_;
    delete database_;
    delete startup_error_;
    nginx_ = nullptr;
    replicas_ = nullptr;
    database_ = nullptr;
    startup_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(startup_error_, nullptr) << *startup_error_;
    ASSERT_TRUE(ParseJsonFile(STREAMTUNE_EXAMPLE_SNAPSHOT, &base_).ok());
  }

  // A client of `target` for `tenant` that retries UNAVAILABLE patiently.
  static std::unique_ptr<StreamTuneClient> Client(const std::string& target,
                                                  const std::string& tenant) {
    ClientOptions options;
    options.target = target;
    options.tenant = tenant;
    options.call_timeout = absl::Seconds(30);
    options.retry.max_attempts = 8;
    options.retry.initial_backoff = absl::Milliseconds(50);
    options.retry.max_backoff = absl::Seconds(1);
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
        StreamTuneClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  static std::string* startup_error_;
  static testing::ScratchDatabase* database_;
  static std::vector<std::unique_ptr<local::ServerProcess>>* replicas_;
  static local::NginxProcess* nginx_;
  v1::Snapshot base_;
};

std::string* LoadBalancerTest::startup_error_ = nullptr;
testing::ScratchDatabase* LoadBalancerTest::database_ = nullptr;
std::vector<std::unique_ptr<local::ServerProcess>>* LoadBalancerTest::replicas_ =
    nullptr;
local::NginxProcess* LoadBalancerTest::nginx_ = nullptr;

TEST_F(LoadBalancerTest, ReplicaKilledMidRunLosesNothingAndChangesNoAnswer) {
  // Two tenants get the very same calls; each (tenant, job) is one thread
  // sending its snapshots in order, all threads at once through nginx.
  const std::string suffix = RandomSuffix();
  const std::vector<std::string> tenants = {"lb-a-" + suffix, "lb-b-" + suffix};
  std::vector<std::unique_ptr<StreamTuneClient>> clients;
  for (const std::string& tenant : tenants)
    clients.push_back(Client(nginx_->target(), tenant));
  ASSERT_TRUE(clients[0] != nullptr && clients[1] != nullptr);
  ASSERT_TRUE(clients[0]->WaitUntilServing(absl::Seconds(30)).ok()) << nginx_->log();

  const int total_calls = static_cast<int>(tenants.size()) * kJobs * kSnapshotsPerJob;
  std::atomic<int> done{0};
  absl::Mutex mu;
  std::vector<std::string> failures;
  // answers[tenant][job][i] for the Recommend calls.
  std::vector<std::vector<std::map<int, v1::Recommendation>>> answers(
      tenants.size(), std::vector<std::map<int, v1::Recommendation>>(kJobs));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < tenants.size(); ++t) {
    for (int job = 0; job < kJobs; ++job) {
      threads.emplace_back([&, t, job] {
        for (int i = 0; i < kSnapshotsPerJob; ++i) {
          v1::SnapshotRequest request;
          *request.mutable_snapshot() = MakeSnapshot(base_, job, i);
          request.set_policy(kPolicies[job % 3]);
          absl::Status status;
          if (Recommends(i)) {
            absl::StatusOr<v1::Recommendation> answer = clients[t]->Recommend(request);
            status = answer.status();
            if (answer.ok()) {
              absl::MutexLock lock(&mu);
              answers[t][job][i] = *answer;
            }
          } else {
            status = clients[t]->ReportSnapshot(request).status();
          }
          if (!status.ok()) {
            absl::MutexLock lock(&mu);
            failures.push_back(absl::StrCat(tenants[t], " job ", job, " snapshot ", i,
                                            ": ", status.ToString()));
          }
          ++done;
        }
      });
    }
  }

  // Mid-run, after a third of the calls: note who served what, then SIGKILL
  // one replica.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (done < total_calls / 3 && absl::Now() < deadline) {
    absl::SleepFor(
        absl::Milliseconds(2));  // Polling interval, not a wait for an event.
  }
  const int done_at_kill = done;
  const double killed_served = RecommendCalls(*(*replicas_)[kKilledReplica]);
  absl::StatusOr<int> killed =
      (*replicas_)[kKilledReplica]->Stop(SIGKILL, absl::Seconds(10));
  for (std::thread& thread : threads) thread.join();

  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(*killed, 128 + SIGKILL);
  EXPECT_LT(done_at_kill, total_calls) << "the kill came after the run";
  EXPECT_GT(killed_served, 0) << "nginx never sent a call to the killed replica";
  for (int r = 0; r < kReplicas; ++r) {
    if (r == kKilledReplica) continue;
    EXPECT_GT(RecommendCalls(*(*replicas_)[r]), 0)
        << "replica " << r << " served nothing";
  }
  EXPECT_THAT(failures, ::testing::IsEmpty()) << "nginx log:\n" << nginx_->log();
  EXPECT_EQ(done.load(), total_calls);

  // PostgreSQL holds every snapshot exactly once, numbered 1..N, and one
  // recommendation per Recommend call.
  pqxx::connection db(database_->url());
  pqxx::work txn(db);
  for (const std::string& tenant : tenants) {
    pqxx::result rows = txn.exec_params(
        "SELECT s.job_id, count(*), count(DISTINCT s.snapshot_id), min(s.sequence),"
        " max(s.sequence), (SELECT count(*) FROM recommendations r"
        "   WHERE r.tenant = s.tenant AND r.job_id = s.job_id),"
        " (SELECT snapshot_count FROM jobs j WHERE j.tenant = s.tenant AND j.job_id = "
        "s.job_id)"
        " FROM snapshots s WHERE s.tenant = $1 GROUP BY s.tenant, s.job_id ORDER BY "
        "s.job_id",
        tenant);
    ASSERT_EQ(rows.size(), static_cast<size_t>(kJobs)) << tenant;
    for (const pqxx::row& row : rows) {
      const std::string job = row[0].as<std::string>();
      EXPECT_EQ(row[1].as<int>(), kSnapshotsPerJob) << tenant << " " << job << ": rows";
      EXPECT_EQ(row[2].as<int>(), kSnapshotsPerJob)
          << tenant << " " << job << ": distinct ids";
      EXPECT_EQ(row[3].as<int>(), 1) << tenant << " " << job;
      EXPECT_EQ(row[4].as<int>(), kSnapshotsPerJob) << tenant << " " << job;
      EXPECT_EQ(row[5].as<int>(), kSnapshotsPerJob / 2)
          << tenant << " " << job << ": recommendations";
      EXPECT_EQ(row[6].as<int>(), kSnapshotsPerJob) << tenant << " " << job;
    }
  }

  // The same history gave the same answers in both tenants, whichever
  // replicas computed them (nginx spread the calls over all three).
  int compared = 0;
  int applied = 0;
  for (int job = 0; job < kJobs; ++job) {
    ASSERT_EQ(answers[0][job].size(), answers[1][job].size()) << "job " << job;
    for (const auto& [i, answer] : answers[0][job]) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          Comparable(answer), Comparable(answers[1][job].at(i))))
          << "job " << job << " snapshot " << i << ":\n"
          << answer.ShortDebugString() << "\nvs\n"
          << answers[1][job].at(i).ShortDebugString();
      ++compared;
      applied += answer.apply();
    }
  }
  EXPECT_EQ(compared, kJobs * kSnapshotsPerJob / 2);
  EXPECT_GT(applied, 0) << "no answer ever changed anything: a weak comparison";

  // And explicitly: the next snapshot of every job, asked of one surviving
  // replica for one tenant and of the other for the other tenant.
  const std::unique_ptr<StreamTuneClient> first =
      Client((*replicas_)[0]->target(), tenants[0]);
  const std::unique_ptr<StreamTuneClient> last =
      Client((*replicas_)[kReplicas - 1]->target(), tenants[1]);
  for (int job = 0; job < kJobs; ++job) {
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = MakeSnapshot(base_, job, kSnapshotsPerJob);
    request.set_policy(kPolicies[job % 3]);
    absl::StatusOr<v1::Recommendation> a = first->Recommend(request);
    absl::StatusOr<v1::Recommendation> b = last->Recommend(request);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " " << b.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Comparable(*a),
                                                                   Comparable(*b)))
        << a->ShortDebugString() << "\nvs\n"
        << b->ShortDebugString();
  }
}

}  // namespace
}  // namespace streamtune
