// End to end: the real streamtuned binary on the private PostgreSQL, called
// over its gRPC port through the client library.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "common/proto_json.h"
#include "common/tenant.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/invalid_utf8.h"
#include "storage/postgres_store.h"
#include "streamtune/v1/service.grpc.pb.h"
#include "tests/raw_unary_call.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ExamplePath(const std::string& name) {
  return absl::StrCat(STREAMTUNE_SOURCE_DIR, "/client/examples/", name);
}

v1::SnapshotRequest ExampleRequest(const std::string& name) {
  v1::SnapshotRequest request;
  absl::Status parsed = ParseJsonFile(ExamplePath(name), request.mutable_snapshot());
  EXPECT_TRUE(parsed.ok()) << parsed;
  return request;
}

// The example job one window earlier, at its restart, before any backlog:
// reported first, it gives DS2 the backlog's growth (docs/algorithm.md §4.1).
v1::SnapshotRequest EarlierExampleRequest(const std::string& name) {
  v1::SnapshotRequest request = ExampleRequest(name);
  v1::Snapshot* s = request.mutable_snapshot();
  s->set_snapshot_id(absl::StrCat(s->snapshot_id(), "-earlier"));
  s->mutable_observed_at()->set_seconds(s->observed_at().seconds() - 60);
  s->set_seconds_since_restart(0);
  for (auto& op : *s->mutable_operators()) {
    if (op.metrics().has_pending_records())
      op.mutable_metrics()->set_pending_records(0);
  }
  return request;
}

// A fresh tenant per test keeps tests independent on a shared database.
std::string UniqueTenant() {
  static std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat("e2e-", random() % 1000000000);
}

// Minimal HTTP/1.0 GET against 127.0.0.1:port; returns the whole response.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n");
  (void)write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

class ServerE2eTest : public ::testing::Test {
 protected:
  // A failure here would make GoogleTest skip the suite, so start-up errors
  // are recorded and every test FAILS on them in SetUp instead.
  static void SetUpTestSuite() {
    auto database = testing::ScratchDatabase::Create("server_e2e");
    if (!database.ok()) {
      startup_error_ = new std::string(database.status().ToString());
      return;
    }
    database_ = database->release();
    auto server = StartServer();
    if (!server.ok()) {
      startup_error_ = new std::string(server.status().ToString());
      return;
    }
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete database_;
    database_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }

  static absl::StatusOr<std::unique_ptr<local::ServerProcess>> StartServer(
      std::vector<std::string> extra_args = {}) {
    local::ServerProcessOptions options;
    options.binary = STREAMTUNE_SERVER_BINARY;
    options.database_url = database_->url();
    options.extra_args = std::move(extra_args);
    return local::ServerProcess::Start(options);
  }

  static std::unique_ptr<StreamTuneClient> Connect(const local::ServerProcess& server,
                                                   const std::string& tenant) {
    ClientOptions options;
    options.target = server.target();
    options.tenant = tenant;
    auto client = StreamTuneClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    EXPECT_TRUE((*client)->WaitUntilServing(absl::Seconds(30)).ok()) << server.log();
    return *std::move(client);
  }

  void SetUp() override {
    ASSERT_EQ(startup_error_, nullptr) << *startup_error_;
    ASSERT_NE(server_, nullptr);
    tenant_ = UniqueTenant();
    client_ = Connect(*server_, tenant_);
  }

  static testing::ScratchDatabase* database_;
  static std::string* startup_error_;
  static local::ServerProcess* server_;
  std::string tenant_;
  std::unique_ptr<StreamTuneClient> client_;
};

testing::ScratchDatabase* ServerE2eTest::database_ = nullptr;
std::string* ServerE2eTest::startup_error_ = nullptr;
local::ServerProcess* ServerE2eTest::server_ = nullptr;

TEST_F(ServerE2eTest, RecommendAnswersWithDs2AndScalesTheThrottledChain) {
  ASSERT_TRUE(
      client_->ReportSnapshot(EarlierExampleRequest("linear-chain-t60.json")).ok());
  v1::SnapshotRequest request = ExampleRequest("linear-chain-t60.json");
  request.set_policy("ds2");
  auto answer = client_->Recommend(request);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->policy(), "ds2");
  EXPECT_FALSE(answer->fallback());
  EXPECT_TRUE(answer->apply());
  EXPECT_EQ(answer->operators_size(), 5);
  // enrich (8000 rec/s, saturated) must grow; nothing may shrink below 1.
  EXPECT_GT(answer->operators(2).recommended_parallelism(), 1);
  EXPECT_GT(answer->recommended_total_parallelism(),
            answer->current_total_parallelism());
}

TEST_F(ServerE2eTest, HistoryQueriesShowWhatWasStored) {
  v1::SnapshotRequest request = ExampleRequest("linear-chain-t60.json");
  request.set_policy("ds2");
  auto answer = client_->Recommend(request);
  ASSERT_TRUE(answer.ok()) << answer.status();
  const std::string job = answer->job_id();

  v1::GetJobRequest get;
  get.set_job_id(job);
  auto summary = client_->GetJob(get);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->snapshot_count(), 1);
  EXPECT_EQ(summary->recommendation_count(), 1);
  EXPECT_EQ(summary->last_policy(), "ds2");

  auto jobs = client_->ListJobs(v1::ListJobsRequest());
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->jobs_size(), 1);
  EXPECT_EQ(jobs->jobs(0).job_id(), job);

  v1::ListSnapshotsRequest snapshots;
  snapshots.set_job_id(job);
  auto stored = client_->ListSnapshots(snapshots);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->snapshots_size(), 1);
  EXPECT_EQ(stored->snapshots(0).sequence(), 1);
  EXPECT_EQ(stored->snapshots(0).labels_size(), 5);

  v1::ListRecommendationsRequest recommendations;
  recommendations.set_job_id(job);
  auto answers = client_->ListRecommendations(recommendations);
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_EQ(answers->recommendations_size(), 1);
  EXPECT_EQ(answers->recommendations(0).SerializeAsString(),
            answer->SerializeAsString());
}

TEST_F(ServerE2eTest, ARetriedRecommendReturnsTheSameAnswerAndStoresOnce) {
  const v1::SnapshotRequest request = ExampleRequest("wordcount-hotkey-t60.json");
  auto first = client_->Recommend(request);
  ASSERT_TRUE(first.ok()) << first.status();
  auto retry = client_->Recommend(request);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  v1::GetJobRequest get;
  get.set_job_id(request.snapshot().job_id());
  auto summary = client_->GetJob(get);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->snapshot_count(), 1);
  EXPECT_EQ(summary->recommendation_count(), 1);
}

TEST_F(ServerE2eTest, BadInputIsInvalidArgumentWithThePathAndStoresNothing) {
  auto answer = client_->Recommend(ExampleRequest("invalid-unknown-edge.json"));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(answer.status().message()),
              HasSubstr("unknown operator \"joinn\""));
  EXPECT_THAT(std::string(answer.status().message()), StartsWith("snapshot.edges["));
  auto jobs = client_->ListJobs(v1::ListJobsRequest());
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->jobs_size(), 0);
}

TEST_F(ServerE2eTest, UnparsableRequestsAreInvalidArgumentWithAReadableMessage) {
  const auto channel =
      grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials());
  const std::pair<std::string, std::string> tenant{kTenantMetadataKey, tenant_};
  v1::SnapshotRequest request = ExampleRequest("linear-chain-t60.json");
  ASSERT_GE(request.snapshot().operators_size(), 3);
  request.mutable_snapshot()->mutable_operators(2)->set_id("zzzz");
  const grpc::Status invalid_utf8 = testing::RawUnaryCall(
      channel, "/streamtune.v1.StreamTune/Recommend",
      testing::SerializedWithInvalidUtf8(request, "zzzz"), tenant);
  EXPECT_EQ(invalid_utf8.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(invalid_utf8.error_message(), "snapshot.operators[2].id: invalid UTF-8");

  const grpc::Status garbage = testing::RawUnaryCall(
      channel, "/streamtune.v1.StreamTune/ReportSnapshot", "\x0a\xff\xff\xff", tenant);
  EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      garbage.error_message(),
      "not a valid streamtune.v1.SnapshotRequest message: snapshot: invalid length");

  // gRPC's own health service parses its requests itself, and says so.
  const grpc::Status health =
      testing::RawUnaryCall(channel, "/grpc.health.v1.Health/Check", "\xff\xff\xff");
  EXPECT_EQ(health.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(health.error_message(), "");

  auto jobs = client_->ListJobs(v1::ListJobsRequest());
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  EXPECT_EQ(jobs->jobs_size(), 0);
  // The server is unharmed, and a well-formed request sent the same way is served.
  const grpc::Status valid = testing::RawUnaryCall(
      channel, "/streamtune.v1.StreamTune/Recommend",
      ExampleRequest("linear-chain-t60.json").SerializeAsString(), tenant);
  EXPECT_TRUE(valid.ok()) << valid.error_message();
}

TEST_F(ServerE2eTest, UnknownPolicyAndMalformedPageTokenAreRejected) {
  v1::SnapshotRequest request = ExampleRequest("linear-chain-t60.json");
  request.set_policy("no-such-policy");
  auto answer = client_->Recommend(request);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(answer.status().message()),
              StartsWith("policy: unknown policy"));
  v1::ListJobsRequest list;
  list.set_page_token("!!garbage!!");
  EXPECT_EQ(client_->ListJobs(list).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerE2eTest, ServesPrometheusMetrics) {
  ASSERT_TRUE(client_->Recommend(ExampleRequest("linear-chain-t60.json")).ok());
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("streamtune_rpcs_total{"));
  EXPECT_THAT(metrics, HasSubstr("method=\"Recommend\""));
  EXPECT_THAT(metrics, HasSubstr("streamtune_serving 1"));
}

TEST_F(ServerE2eTest, ARestartedServerStillHasTheDataAndStopsGracefully) {
  auto own = StartServer();
  ASSERT_TRUE(own.ok()) << own.status();
  auto client = Connect(**own, tenant_);
  auto answer = client->Recommend(ExampleRequest("linear-chain-t60.json"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  auto exit_code = (*own)->Stop(SIGTERM, absl::Seconds(30));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*own)->log();
  EXPECT_THAT((*own)->log(), HasSubstr("streamtuned stopped"));

  auto restarted = StartServer();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  auto again = Connect(**restarted, tenant_);
  v1::GetJobRequest get;
  get.set_job_id(answer->job_id());
  auto summary = again->GetJob(get);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recommendation_count(), 1);
  auto retry = again->Recommend(ExampleRequest("linear-chain-t60.json"));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->SerializeAsString(), answer->SerializeAsString());
}

// A plain stub (no client-side retries) for `tenant` on `server`, so a
// test sees each answer and its trailers.
struct RawCall {
  RawCall(const local::ServerProcess& server, const std::string& tenant)
      : stub(v1::StreamTune::NewStub(
            grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials()))) {
    context.AddMetadata(kTenantMetadataKey, tenant);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  std::string Pushback() const {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto found = trailers.find("grpc-retry-pushback-ms");
    return found == trailers.end()
               ? "(none)"
               : std::string(found->second.data(), found->second.size());
  }
  std::unique_ptr<v1::StreamTune::Stub> stub;
  grpc::ClientContext context;
};

TEST_F(ServerE2eTest, OverTheStoredBytesQuotaANewSnapshotIsRefusedAndNothingStored) {
  // One byte: the tenant's first snapshot reaches it.
  auto own = StartServer({"--quota_stored_bytes=1"});
  ASSERT_TRUE(own.ok()) << own.status();
  auto client = Connect(**own, tenant_);
  const v1::SnapshotRequest stored = ExampleRequest("linear-chain-t60.json");
  auto first = client->Recommend(stored);
  ASSERT_TRUE(first.ok()) << first.status();

  const v1::SnapshotRequest fresh = ExampleRequest("wordcount-hotkey-t60.json");
  RawCall refused(**own, tenant_);
  v1::Recommendation answer;
  const grpc::Status status = refused.stub->Recommend(&refused.context, fresh, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("quota is 1"));
  EXPECT_EQ(refused.Pushback(), "-1");  // Waiting will not help: do not retry.
  const auto report = client->ReportSnapshot(fresh);
  EXPECT_TRUE(absl::IsResourceExhausted(report.status())) << report.status();
  v1::GetJobRequest get;
  get.set_job_id(fresh.snapshot().job_id());
  EXPECT_TRUE(absl::IsNotFound(client->GetJob(get).status()));

  // Retries of the stored snapshot still succeed, storing nothing.
  auto retry = client->Recommend(stored);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  auto reported = client->ReportSnapshot(stored);
  ASSERT_TRUE(reported.ok()) << reported.status();
  EXPECT_FALSE(reported->stored());
  // Another tenant has a quota of its own.
  EXPECT_TRUE(Connect(**own, UniqueTenant())->Recommend(fresh).ok());
}

TEST_F(ServerE2eTest, OverTheCallRateACallIsRefusedWithPushback) {
  auto own = StartServer({"--quota_calls_per_second=0.5", "--quota_burst=2"});
  ASSERT_TRUE(own.ok()) << own.status();
  v1::GetJobRequest get;
  get.set_job_id("no-such-job");
  for (int i = 0; i < 2; ++i) {
    RawCall allowed(**own, tenant_);
    v1::Job job;
    EXPECT_EQ(allowed.stub->GetJob(&allowed.context, get, &job).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << i;
  }
  RawCall refused(**own, tenant_);
  v1::Job job;
  const grpc::Status status = refused.stub->GetJob(&refused.context, get, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  // Half a token a second: the next is up to two seconds away.
  int64_t pushback_ms = 0;
  ASSERT_TRUE(absl::SimpleAtoi(refused.Pushback(), &pushback_ms)) << refused.Pushback();
  EXPECT_GT(pushback_ms, 1000);
  EXPECT_LE(pushback_ms, 2000);
  // Another tenant is unaffected.
  RawCall other(**own, UniqueTenant());
  EXPECT_EQ(other.stub->GetJob(&other.context, get, &job).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// An admin's per-tenant override (what `streamtunectl quota-set` stores)
// reaches a running server within --quota_refresh_interval, for that
// tenant only, and clearing it restores the flags (unlimited here).
TEST_F(ServerE2eTest, APerTenantQuotaOverrideReachesARunningServer) {
  auto own = StartServer({"--quota_refresh_interval=100ms"});
  ASSERT_TRUE(own.ok()) << own.status();
  v1::GetJobRequest get;
  get.set_job_id("no-such-job");
  const auto get_job = [&](const std::string& tenant) {
    RawCall call(**own, tenant);
    v1::Job job;
    return call.stub->GetJob(&call.context, get, &job);
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(get_job(tenant_).error_code(), grpc::StatusCode::NOT_FOUND) << i;
  }

  PostgresStoreOptions store_options;
  store_options.database_url = database_->url();
  store_options.pool_size = 1;
  auto store = PostgresStore::Create(store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  TenantQuotaRecord quota;
  quota.tenant = tenant_;
  quota.calls_per_second = 0.01;
  quota.burst = 1;
  ASSERT_TRUE((*store)->PutTenantQuota(quota).ok());

  // The tenant's calls until one ends with `code` (each may take a token).
  const auto poll_until = [&](grpc::StatusCode code) {
    grpc::Status status;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      status = get_job(tenant_);
      if (status.error_code() == code) break;
      absl::SleepFor(absl::Milliseconds(20));  // Polling interval.
    }
    return status;
  };
  const grpc::Status refused = poll_until(grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << (*own)->log();
  EXPECT_THAT(refused.error_message(), HasSubstr("0.01 calls per second (burst 1)"));
  EXPECT_EQ(get_job(UniqueTenant()).error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE((*store)->DeleteTenantQuota(tenant_).ok());
  const grpc::Status served = poll_until(grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(served.error_code(), grpc::StatusCode::NOT_FOUND) << served.error_message();
  EXPECT_THAT((*own)->log(), HasSubstr("1 per-tenant quota override(s) in force"));
}

TEST_F(ServerE2eTest, TheDefaultStreamTunePolicyFallsBackToDs2WithoutModels) {
  ASSERT_TRUE(
      client_->ReportSnapshot(EarlierExampleRequest("linear-chain-t60.json")).ok());
  auto answer = client_->Recommend(ExampleRequest("linear-chain-t60.json"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->policy(), "streamtune");
  EXPECT_TRUE(answer->fallback());
  EXPECT_THAT(answer->reason(), HasSubstr("no pre-trained model yet"));
  EXPECT_TRUE(answer->apply());
}

TEST_F(ServerE2eTest, PretrainWithoutHistoryFailsAndModelsAreEmpty) {
  auto pretrain = client_->Pretrain(v1::PretrainRequest());
  EXPECT_EQ(pretrain.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(pretrain.status().message()),
              HasSubstr("no labelled history"));
  auto models = client_->ListModels(v1::ListModelsRequest());
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_EQ(models->models_size(), 0);
}

}  // namespace
}  // namespace streamtune
