// Statelessness, end to end: two streamtuned replicas on one PostgreSQL
// answering alternate calls for a job give exactly the answers one replica
// gives alone (docs/algorithm.md §3: the server keeps no state between calls).
// The models are real: a short generated history, pre-trained with few
// steps, then every call queues the job's fine-tuning, which replica A's
// background worker runs (replica B runs none: what it answers with was
// trained by A). The agent waits for each fine-tune before its next
// snapshot, so both runs see the same model versions at every decision.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/agent/agent_loop.h"
#include "client/agent/service_decider.h"
#include "client/history/history_generator.h"
#include "client/local/server_process.h"
#include "client/sim/generator.h"
#include "client/sim/sim_adapter.h"
#include "client/streamtune_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

// What must not depend on which replica answered.
struct Answer {
  std::string snapshot_id;
  std::vector<int> recommended;
  bool apply = false;
  bool fallback = false;
  std::string model_id;
  int64_t model_version = 0;
  std::string reason;

  bool operator==(const Answer& other) const {
    return snapshot_id == other.snapshot_id && recommended == other.recommended &&
           apply == other.apply && fallback == other.fallback &&
           model_id == other.model_id && model_version == other.model_version &&
           reason == other.reason;
  }
};

std::ostream& operator<<(std::ostream& out, const Answer& a) {
  out << a.snapshot_id << " apply=" << a.apply << " fallback=" << a.fallback
      << " model=" << a.model_id << " v" << a.model_version << " p=[";
  for (int p : a.recommended) out << p << " ";
  return out << "] " << a.reason;
}

Answer ToAnswer(const v1::Snapshot& snapshot, const v1::Recommendation& r) {
  Answer a{snapshot.snapshot_id(), {},        r.apply(), r.fallback(), r.model_id(),
           r.model_version(),      r.reason()};
  for (const auto& op : r.operators())
    a.recommended.push_back(op.recommended_parallelism());
  return a;
}

// The server log's lines about background fine-tuning (failures are logged
// there), to explain a test failure.
std::string FineTuningLines(const std::string& log) {
  std::string lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "fine-tun")) absl::StrAppend(&lines, line, "\n");
  }
  return lines;
}

std::string RandomSuffix() {
  static std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(random() % 1000000000);
}

class ReplicasE2eTest : public ::testing::Test {
 protected:
  // Failures here are recorded and reported by SetUp (GoogleTest would turn
  // an assertion in SetUpTestSuite into a skip).
  static void SetUpTestSuite() {
    corpus_tenant_ = new std::string(absl::StrCat("replicas-corpus-", RandomSuffix()));
    absl::Status status = StartReplicasAndPretrain();
    if (!status.ok()) startup_error_ = new std::string(status.ToString());
  }

  static absl::Status StartReplicasAndPretrain() {
    // A database of its own: replica A's worker must be the only one
    // taking these jobs' fine-tuning (testing::ScratchDatabase).
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("replicas");
    if (!database.ok()) return database.status();
    database_ = database->release();
    for (auto** replica : {&replica_a_, &replica_b_}) {
      local::ServerProcessOptions options;
      options.binary = STREAMTUNE_SERVER_BINARY;
      options.database_url = database_->url();
      options.extra_args = {
          absl::StrCat("--shared_model_tenant=", *corpus_tenant_),
          replica == &replica_a_ ? "--fine_tune_workers=1" : "--fine_tune_workers=0"};
      absl::StatusOr<std::unique_ptr<local::ServerProcess>> server =
          local::ServerProcess::Start(options);
      if (!server.ok()) return server.status();
      *replica = server->release();
    }
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> corpus =
        Connect(*replica_a_, *corpus_tenant_, absl::Minutes(10));
    if (!corpus.ok()) return corpus.status();
    history::HistoryOptions history;
    history.jobs = 12;
    history.min_minutes = 15;
    history.max_minutes = 20;
    history.count_labels = false;
    history.concurrency = 2;
    absl::StatusOr<history::HistoryStats> stats =
        history::GenerateHistory(history, corpus->get());
    if (!stats.ok()) return stats.status();
    v1::PretrainRequest pretrain;
    pretrain.set_max_training_steps(60);
    absl::StatusOr<v1::PretrainResponse> models = (*corpus)->Pretrain(pretrain);
    if (!models.ok()) return models.status();
    if (models->models().empty())
      return absl::InternalError("Pretrain returned no model");
    return absl::OkStatus();
  }

  static void TearDownTestSuite() {
    delete replica_a_;
    delete replica_b_;
    delete corpus_tenant_;
    delete database_;
    delete startup_error_;
    replica_a_ = replica_b_ = nullptr;
    corpus_tenant_ = startup_error_ = nullptr;
    database_ = nullptr;
  }

  static absl::StatusOr<std::unique_ptr<StreamTuneClient>> Connect(
      const local::ServerProcess& server, const std::string& tenant,
      absl::Duration call_timeout = absl::Seconds(60)) {
    ClientOptions options;
    options.target = server.target();
    options.tenant = tenant;
    options.call_timeout = call_timeout;
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
        StreamTuneClient::Create(options);
    if (!client.ok()) return client.status();
    absl::Status serving = (*client)->WaitUntilServing(absl::Seconds(30));
    if (!serving.ok())
      return absl::Status(serving.code(),
                          absl::StrCat(serving.message(), "\n", server.log()));
    return client;
  }

  void SetUp() override { ASSERT_EQ(startup_error_, nullptr) << *startup_error_; }

  // Tunes one generated job under `tenant`, calling the clients in turn.
  static std::vector<Answer> TuneJob(
      const std::string& tenant,
      const std::vector<const local::ServerProcess*>& servers) {
    std::vector<std::unique_ptr<StreamTuneClient>> clients;
    for (const auto* server : servers) {
      absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
          Connect(*server, tenant);
      EXPECT_TRUE(client.ok()) << client.status();
      if (!client.ok()) return {};
      clients.push_back(*std::move(client));
    }
    absl::StatusOr<sim::Workload> workload = sim::GenerateWorkload("chain", 7);
    EXPECT_TRUE(workload.ok()) << workload.status();
    if (!workload.ok()) return {};
    workload->duration_s = std::min(workload->duration_s, 30 * 60);
    auto engine = sim::SimulatedEngineAdapter::Create(*workload, "replicated-job");
    EXPECT_TRUE(engine.ok()) << engine.status();
    if (!engine.ok()) return {};

    std::vector<Answer> answers;
    std::vector<agent::Decider> deciders;
    for (auto& client : clients) {
      agent::ServiceDeciderOptions options;
      options.observer = [&answers](const v1::Snapshot& s,
                                    const v1::Recommendation& r) {
        answers.push_back(ToAnswer(s, r));
      };
      options.settle_fine_tuning = absl::Seconds(60);
      deciders.push_back(agent::MakeServiceDecider(client.get(), options));
    }
    size_t turn = 0;
    const agent::Decider alternate = [&](const v1::Snapshot& snapshot) {
      return deciders[turn++ % deciders.size()](snapshot);
    };
    absl::Status run = agent::RunAgentLoop(**engine, alternate);
    EXPECT_TRUE(run.ok()) << run;
    return answers;
  }

  static std::string* corpus_tenant_;
  static std::string* startup_error_;
  static testing::ScratchDatabase* database_;
  static local::ServerProcess* replica_a_;
  static local::ServerProcess* replica_b_;
};

std::string* ReplicasE2eTest::corpus_tenant_ = nullptr;
std::string* ReplicasE2eTest::startup_error_ = nullptr;
testing::ScratchDatabase* ReplicasE2eTest::database_ = nullptr;
local::ServerProcess* ReplicasE2eTest::replica_a_ = nullptr;
local::ServerProcess* ReplicasE2eTest::replica_b_ = nullptr;

TEST_F(ReplicasE2eTest, AlternatingReplicasAnswerLikeOne) {
  const std::string suffix = RandomSuffix();
  const std::vector<Answer> alone =
      TuneJob(absl::StrCat("replicas-alone-", suffix), {replica_a_});
  const std::vector<Answer> alternating =
      TuneJob(absl::StrCat("replicas-alternating-", suffix), {replica_a_, replica_b_});

  ASSERT_GE(alone.size(), 10u);
  // The learned policy really ran (not only its DS2 fallback) and the job's
  // fine-tuned model is what answered at least once.
  int learned = 0;
  int fine_tuned = 0;
  for (const Answer& a : alone) {
    learned += !a.fallback && !a.model_id.empty();
    fine_tuned += a.model_id.rfind("job:", 0) == 0;
  }
  EXPECT_GT(learned, 0) << alone.front();
  EXPECT_GT(fine_tuned, 0) << alone.back();
  EXPECT_THAT(alternating, ::testing::ElementsAreArray(alone))
      << "replica A on fine-tuning:\n"
      << FineTuningLines(replica_a_->log()) << "replica B on fine-tuning:\n"
      << FineTuningLines(replica_b_->log());
}

TEST_F(ReplicasE2eTest, AReplicaAnswersWithModelsAnotherReplicaTrained) {
  // Replica B trains nothing itself: every fine-tuned model it answers with
  // was trained by replica A's worker from the shared queue.
  const std::vector<Answer> answers =
      TuneJob(absl::StrCat("replicas-b-only-", RandomSuffix()), {replica_b_});
  ASSERT_GE(answers.size(), 10u);
  int64_t newest_version = 0;
  for (const Answer& a : answers) {
    if (a.model_id.rfind("job:", 0) == 0) newest_version = a.model_version;
  }
  EXPECT_GT(newest_version, 1) << answers.back();
}

}  // namespace
}  // namespace streamtune
