// Pre-training as a long-running operation, end to end: real streamtuned
// processes on the private PostgreSQL. The operation's progress is observed
// while other calls are served, a cancel stops it with nothing published, a
// cancel sent to another replica reaches the one running it, and a replica
// killed (SIGKILL) mid-run leaves an operation that ends FAILED, never
// stuck running. Waits poll with deadlines.
#include <signal.h>

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/history/history_generator.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

// The lease of the servers under test: short, so a killed replica's
// operation is failed within seconds.
constexpr char kLeaseFlag[] = "--operation_lease=5s";

class PretrainOperationE2eTest : public ::testing::Test {
 protected:
  // Failures are recorded and reported by SetUp (an assertion here would
  // turn into a skip).
  static void SetUpTestSuite() {
    static std::mt19937_64 random{std::random_device{}()};
    tenant_ = new std::string(absl::StrCat("lro-", random() % 1000000000));
    absl::Status status = StartAndGenerateHistory();
    if (!status.ok()) startup_error_ = new std::string(status.ToString());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tenant_;
    delete database_;
    delete startup_error_;
    server_ = nullptr;
    tenant_ = startup_error_ = nullptr;
    database_ = nullptr;
  }

  static absl::StatusOr<std::unique_ptr<local::ServerProcess>> StartServer() {
    local::ServerProcessOptions options;
    options.binary = STREAMTUNE_SERVER_BINARY;
    options.database_url = database_->url();
    options.extra_args = {kLeaseFlag};
    return local::ServerProcess::Start(options);
  }

  static absl::StatusOr<std::unique_ptr<StreamTuneClient>> Connect(
      const local::ServerProcess& server) {
    ClientOptions options;
    options.target = server.target();
    options.tenant = *tenant_;
    options.call_timeout = absl::Seconds(30);
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
        StreamTuneClient::Create(options);
    if (!client.ok()) return client.status();
    absl::Status serving = (*client)->WaitUntilServing(absl::Seconds(30));
    if (!serving.ok()) return serving;
    return client;
  }

  // A history big enough that full training takes several seconds.
  static absl::Status StartAndGenerateHistory() {
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("pretrain_operation");
    if (!database.ok()) return database.status();
    database_ = database->release();
    absl::StatusOr<std::unique_ptr<local::ServerProcess>> server = StartServer();
    if (!server.ok()) return server.status();
    server_ = server->release();
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client = Connect(*server_);
    if (!client.ok()) return client.status();
    history::HistoryOptions history;
    history.jobs = 16;
    history.min_minutes = 30;
    history.max_minutes = 40;
    history.count_labels = false;
    history.concurrency = 2;
    return history::GenerateHistory(history, client->get()).status();
  }

  void SetUp() override {
    ASSERT_EQ(startup_error_, nullptr) << *startup_error_;
    auto client = Connect(*server_);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  // Polls the operation through `client` until `condition` holds (180 s at
  // most); the last state read.
  static v1::Operation WaitFor(
      StreamTuneClient& client, const std::string& name,
      const std::function<bool(const v1::Operation&)>& condition) {
    v1::GetOperationRequest request;
    request.set_name(name);
    const absl::Time deadline = absl::Now() + absl::Seconds(180);
    v1::Operation last;
    while (absl::Now() < deadline) {
      absl::StatusOr<v1::Operation> operation = client.GetOperation(request);
      // A restarting server may refuse a poll or two.
      if (operation.ok()) {
        last = *operation;
        if (condition(last)) return last;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "condition not reached within 180 s; last: " << last.DebugString();
    return last;
  }
  // Training its first model, at most half-way through it.
  static bool EarlyInTraining(const v1::Operation& operation) {
    const v1::PretrainProgress& p = operation.metadata();
    return p.phase() == v1::PRETRAIN_PHASE_TRAINING && p.done() > 0 &&
           p.done() * 2 < p.total();
  }
  static bool Done(const v1::Operation& operation) { return operation.done(); }

  static testing::ScratchDatabase* database_;
  static std::string* tenant_;
  static std::string* startup_error_;
  static local::ServerProcess* server_;
  std::unique_ptr<StreamTuneClient> client_;
};

testing::ScratchDatabase* PretrainOperationE2eTest::database_ = nullptr;
std::string* PretrainOperationE2eTest::tenant_ = nullptr;
std::string* PretrainOperationE2eTest::startup_error_ = nullptr;
local::ServerProcess* PretrainOperationE2eTest::server_ = nullptr;

TEST_F(PretrainOperationE2eTest, ProgressIsObservedWhileOtherCallsAreServed) {
  auto started = client_->StartPretrain(v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(started->done());
  const v1::Operation training = WaitFor(*client_, started->name(), EarlyInTraining);
  EXPECT_GE(training.metadata().finished_phases_size(), 3);
  EXPECT_THAT(training.metadata().description(), HasSubstr("training cluster 1 of "));

  // The replica keeps answering while it trains.
  const absl::Time before = absl::Now();
  auto jobs = client_->ListJobs(v1::ListJobsRequest());
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  EXPECT_EQ(jobs->jobs_size(), 16);
  EXPECT_LT(absl::Now() - before, absl::Seconds(2));
  auto listed = client_->ListOperations(v1::ListOperationsRequest());
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->operations(0).name(), started->name());

  // Progress moves on, then the result is there for anyone to read.
  const v1::Operation done = WaitFor(*client_, started->name(), Done);
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.DebugString();
  ASSERT_GE(done.response().models_size(), 2);
  auto run = client_->GetPretrainRun(v1::GetPretrainRunRequest());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->run_id(), done.response().models(0).pretrain_run());
  EXPECT_EQ(done.metadata()
                .finished_phases(done.metadata().finished_phases_size() - 1)
                .phase(),
            v1::PRETRAIN_PHASE_PUBLISHING);
}

TEST_F(PretrainOperationE2eTest,
       CancelThroughAnotherReplicaStopsItAndPublishesNothing) {
  auto before = client_->GetPretrainRun(v1::GetPretrainRunRequest());
  auto other = StartServer();
  ASSERT_TRUE(other.ok()) << other.status();
  auto other_client = Connect(**other);
  ASSERT_TRUE(other_client.ok()) << other_client.status();

  auto started = client_->StartPretrain(v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(*client_, started->name(), EarlyInTraining);
  v1::CancelOperationRequest cancel;
  cancel.set_name(started->name());
  const absl::Time cancelled_at = absl::Now();
  auto cancelled = (*other_client)->CancelOperation(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->cancel_requested());

  const v1::Operation done = WaitFor(**other_client, started->name(), Done);
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(5));
  EXPECT_EQ(done.state(), v1::CANCELLED) << done.DebugString();
  EXPECT_EQ(done.error().code(), static_cast<int>(absl::StatusCode::kCancelled));
  EXPECT_FALSE(done.has_response());
  // The tenant's newest run is what it was before.
  auto after = client_->GetPretrainRun(v1::GetPretrainRunRequest());
  EXPECT_EQ(after.ok(), before.ok());
  if (after.ok() && before.ok()) {
    EXPECT_EQ(after->run_id(), before->run_id());
  }
}

TEST_F(PretrainOperationE2eTest, AReplicaKilledMidRunLeavesAFailedOperation) {
  auto doomed = StartServer();
  ASSERT_TRUE(doomed.ok()) << doomed.status();
  auto doomed_client = Connect(**doomed);
  ASSERT_TRUE(doomed_client.ok()) << doomed_client.status();
  auto started = (*doomed_client)->StartPretrain(v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(**doomed_client, started->name(), EarlyInTraining);
  auto killed = (*doomed)->Stop(SIGKILL, absl::Seconds(10));
  ASSERT_TRUE(killed.ok()) << killed.status();

  // Another replica, and a restarted one, see it end once its lease runs out.
  auto restarted = StartServer();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  auto restarted_client = Connect(**restarted);
  ASSERT_TRUE(restarted_client.ok()) << restarted_client.status();
  const v1::Operation done = WaitFor(**restarted_client, started->name(), Done);
  EXPECT_EQ(done.state(), v1::FAILED) << done.DebugString();
  EXPECT_EQ(done.error().code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_THAT(done.error().message(), HasSubstr("the replica running it stopped"));
  // Its progress up to the kill is kept.
  EXPECT_EQ(done.metadata().phase(), v1::PRETRAIN_PHASE_TRAINING);
}

TEST_F(PretrainOperationE2eTest,
       ASigtermDuringPretrainingEndsItAsFailedWithinTheGrace) {
  auto stopping = StartServer();
  ASSERT_TRUE(stopping.ok()) << stopping.status();
  auto stopping_client = Connect(**stopping);
  ASSERT_TRUE(stopping_client.ok()) << stopping_client.status();
  auto started = (*stopping_client)->StartPretrain(v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(**stopping_client, started->name(), EarlyInTraining);
  const absl::Time signalled = absl::Now();
  auto exit_code = (*stopping)->Stop(SIGTERM, absl::Seconds(30));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*stopping)->log();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));  // The default grace.

  v1::GetOperationRequest get;
  get.set_name(started->name());
  auto stored = client_->GetOperation(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->done());
  EXPECT_EQ(stored->state(), v1::FAILED);
  EXPECT_THAT(stored->error().message(), HasSubstr("the server shut down"));
}

}  // namespace
}  // namespace streamtune
