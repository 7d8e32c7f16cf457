// Tests the gRPC client against an in-process fake server on a loopback
// port: metadata, deadlines, retries, status conversion and health polling.
#include "client/streamtune_client.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "streamtune/v1/admin.grpc.pb.h"
#include "streamtune/v1/service.grpc.pb.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

// A working StreamTune service with error knobs. Thread-safe.
class FakeTuneService final : public v1::StreamTune::Service {
 public:
  std::atomic<int> unavailable_first{0};  // fail this many calls first
  std::atomic<int> calls{0};
  std::atomic<int> delay_ms{0};
  grpc::Status error = grpc::Status::OK;  // returned after the failures
  // Answered (after the UNAVAILABLE ones) this many times as an overloaded
  // server would: RESOURCE_EXHAUSTED with `pushback` (if not empty) as
  // grpc-retry-pushback-ms.
  std::atomic<int> exhausted_first{0};
  std::string pushback;

  grpc::Status Recommend(grpc::ServerContext* context,
                         const v1::SnapshotRequest* request,
                         v1::Recommendation* response) override {
    Record(context);
    const int n = ++calls;
    if (delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    }
    if (n <= unavailable_first) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "warming up");
    }
    if (n <= unavailable_first + exhausted_first) {
      if (!pushback.empty())
        context->AddTrailingMetadata("grpc-retry-pushback-ms", pushback);
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "overloaded");
    }
    if (!error.ok()) return error;
    response->set_job_id(request->snapshot().job_id());
    response->set_snapshot_id(request->snapshot().snapshot_id());
    response->set_policy(request->policy().empty() ? "ds2" : request->policy());
    return grpc::Status::OK;
  }

  std::string tenant() {
    std::lock_guard<std::mutex> lock(mu_);
    return tenant_;
  }
  bool had_tenant() {
    std::lock_guard<std::mutex> lock(mu_);
    return had_tenant_;
  }
  std::chrono::system_clock::time_point deadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return deadline_;
  }
  // When each call arrived, in order.
  std::vector<absl::Time> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }

 private:
  void Record(grpc::ServerContext* context) {
    std::lock_guard<std::mutex> lock(mu_);
    arrivals_.push_back(absl::Now());
    auto it = context->client_metadata().find(kTenantMetadataKey);
    had_tenant_ = it != context->client_metadata().end();
    tenant_ = had_tenant_ ? std::string(it->second.data(), it->second.size()) : "";
    deadline_ = context->deadline();
  }

  std::mutex mu_;
  std::string tenant_;
  bool had_tenant_ = false;
  std::chrono::system_clock::time_point deadline_;
  std::vector<absl::Time> arrivals_;
};

class FakeAdminService final : public v1::StreamTuneAdmin::Service {
 public:
  grpc::Status GetModel(grpc::ServerContext*, const v1::GetModelRequest* request,
                        v1::Model* response) override {
    if (request->model_id() != "global") {
      return grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("model_id: no model \"", request->model_id(), "\""));
    }
    response->set_model_id("global");
    response->set_version(request->version() == 0 ? 3 : request->version());
    return grpc::Status::OK;
  }
};

class StreamTuneClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&tune_);
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { server_->Shutdown(); }

  ClientOptions Options() {
    ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", port_);
    options.call_timeout = absl::Seconds(5);
    options.retry.initial_backoff = absl::Milliseconds(5);
    options.retry.max_backoff = absl::Milliseconds(20);
    return options;
  }

  std::unique_ptr<StreamTuneClient> NewClient(const ClientOptions& options) {
    auto client = StreamTuneClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static v1::SnapshotRequest Request() {
    v1::SnapshotRequest request;
    request.mutable_snapshot()->set_job_id("linear-chain");
    request.mutable_snapshot()->set_snapshot_id("s1");
    return request;
  }

  FakeTuneService tune_;
  FakeAdminService admin_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(StreamTuneClientTest, RecommendReturnsTheAnswer) {
  auto client = NewClient(Options());
  absl::StatusOr<v1::Recommendation> answer = client->Recommend(Request());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->job_id(), "linear-chain");
  EXPECT_EQ(answer->snapshot_id(), "s1");
  EXPECT_EQ(answer->policy(), "ds2");
}

TEST_F(StreamTuneClientTest, SendsTheTenantAsMetadata) {
  ClientOptions options = Options();
  options.tenant = "acme-1";
  ASSERT_TRUE(NewClient(options)->Recommend(Request()).ok());
  EXPECT_TRUE(tune_.had_tenant());
  EXPECT_EQ(tune_.tenant(), "acme-1");
}

TEST_F(StreamTuneClientTest, EmptyTenantSendsNoMetadata) {
  ASSERT_TRUE(NewClient(Options())->Recommend(Request()).ok());
  EXPECT_FALSE(tune_.had_tenant());
}

TEST_F(StreamTuneClientTest, SetsTheDeadline) {
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(NewClient(Options())->Recommend(Request()).ok());
  const auto deadline = tune_.deadline();
  EXPECT_GT(deadline, before + std::chrono::seconds(4));
  EXPECT_LT(deadline, before + std::chrono::seconds(6));
}

TEST_F(StreamTuneClientTest, RetriesUnavailableUntilSuccess) {
  tune_.unavailable_first = 2;
  absl::StatusOr<v1::Recommendation> answer =
      NewClient(Options())->Recommend(Request());
  EXPECT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(tune_.calls, 3);
}

TEST_F(StreamTuneClientTest, GivesUpAfterMaxAttempts) {
  tune_.unavailable_first = 100;
  ClientOptions options = Options();
  options.retry.max_attempts = 4;
  absl::StatusOr<v1::Recommendation> answer = NewClient(options)->Recommend(Request());
  EXPECT_EQ(answer.status(), absl::UnavailableError("warming up"));
  EXPECT_EQ(tune_.calls, 4);
}

TEST_F(StreamTuneClientTest, RetriesUntilTheCallsDeadlineByDefault) {
  tune_.unavailable_first = 1000000;
  ClientOptions options = Options();
  options.call_timeout = absl::Milliseconds(600);
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Recommendation> answer = NewClient(options)->Recommend(Request());
  const absl::Duration took = absl::Now() - start;
  // The last failure: the loop stops before a wait that would pass the
  // deadline; an attempt still in flight at the deadline (a busy machine)
  // ends as DEADLINE_EXCEEDED instead.
  EXPECT_THAT(answer.status().code(),
              ::testing::AnyOf(absl::StatusCode::kUnavailable,
                               absl::StatusCode::kDeadlineExceeded))
      << answer.status();
  EXPECT_LE(took, absl::Milliseconds(600) + absl::Milliseconds(300));
  // Backoff 5 ms doubling to 20 ms: far more than the old four attempts,
  // and the attempts spread over most of the deadline.
  EXPECT_GT(tune_.calls, 10);
  const std::vector<absl::Time> arrivals = tune_.arrivals();
  EXPECT_GE(arrivals.back() - start, absl::Milliseconds(500));
}

TEST_F(StreamTuneClientTest, RetriesResourceExhaustedAfterTheServersPushback) {
  tune_.exhausted_first = 1;
  tune_.pushback = "300";
  absl::StatusOr<v1::Recommendation> answer =
      NewClient(Options())->Recommend(Request());
  ASSERT_TRUE(answer.ok()) << answer.status();
  const std::vector<absl::Time> arrivals = tune_.arrivals();
  ASSERT_EQ(arrivals.size(), 2u);
  // The client's own backoff is 5 ms; the server asked for 300.
  EXPECT_GE(arrivals[1] - arrivals[0], absl::Milliseconds(300));
}

TEST_F(StreamTuneClientTest, RetriesResourceExhaustedWithoutPushbackOnItsOwnBackoff) {
  tune_.exhausted_first = 2;
  absl::StatusOr<v1::Recommendation> answer =
      NewClient(Options())->Recommend(Request());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(tune_.calls, 3);
  const std::vector<absl::Time> arrivals = tune_.arrivals();
  EXPECT_LT(arrivals.back() - arrivals.front(), absl::Milliseconds(250));
}

TEST_F(StreamTuneClientTest, PushbackPastTheDeadlineEndsTheCallAtOnce) {
  tune_.exhausted_first = 100;
  tune_.pushback = "5000";
  ClientOptions options = Options();
  options.call_timeout = absl::Seconds(2);
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Recommendation> answer = NewClient(options)->Recommend(Request());
  EXPECT_EQ(answer.status(), absl::ResourceExhaustedError("overloaded"));
  EXPECT_EQ(tune_.calls, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(StreamTuneClientTest, NegativePushbackMeansDoNotRetry) {
  tune_.exhausted_first = 100;
  tune_.pushback = "-1";
  absl::StatusOr<v1::Recommendation> answer =
      NewClient(Options())->Recommend(Request());
  EXPECT_EQ(answer.status(), absl::ResourceExhaustedError("overloaded"));
  EXPECT_EQ(tune_.calls, 1);
}

TEST_F(StreamTuneClientTest, NonRetryableCodesAreNotRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::UNIMPLEMENTED}) {
    tune_.calls = 0;
    tune_.error = grpc::Status(code, "no");
    absl::StatusOr<v1::Recommendation> answer =
        NewClient(Options())->Recommend(Request());
    EXPECT_EQ(static_cast<int>(answer.status().code()), static_cast<int>(code));
    EXPECT_EQ(tune_.calls, 1) << "code " << code;
  }
}

TEST_F(StreamTuneClientTest, ARequestOverTheSizeLimitIsNotRetried) {
  // gRPC's own RESOURCE_EXHAUSTED: the same request fails the same way.
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  FakeTuneService small;
  builder.RegisterService(&small);
  builder.SetMaxReceiveMessageSize(1024);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ClientOptions options = Options();
  options.target = absl::StrCat("127.0.0.1:", port);
  v1::SnapshotRequest request = Request();
  request.mutable_snapshot()->set_job_id(std::string(4096, 'j'));
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Recommendation> answer = NewClient(options)->Recommend(request);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kResourceExhausted)
      << answer.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "it was retried";
  server->Shutdown();
}

TEST_F(StreamTuneClientTest, ReturnsOtherErrorsUnchangedWithoutRetry) {
  tune_.error = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                             "snapshot.edges[3].to: unknown operator \"joinn\"");
  absl::StatusOr<v1::Recommendation> answer =
      NewClient(Options())->Recommend(Request());
  EXPECT_EQ(answer.status(), absl::InvalidArgumentError(
                                 "snapshot.edges[3].to: unknown operator \"joinn\""));
  EXPECT_EQ(tune_.calls, 1);
}

TEST_F(StreamTuneClientTest, SlowServerHitsTheDeadline) {
  tune_.delay_ms = 500;
  ClientOptions options = Options();
  options.call_timeout = absl::Milliseconds(100);
  absl::StatusOr<v1::Recommendation> answer = NewClient(options)->Recommend(Request());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(tune_.calls, 1);
}

TEST_F(StreamTuneClientTest, UnimplementedMethodIsUnimplemented) {
  absl::StatusOr<v1::ListJobsResponse> jobs =
      NewClient(Options())->ListJobs(v1::ListJobsRequest());
  EXPECT_EQ(jobs.status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(StreamTuneClientTest, AdminCallsReachTheAdminService) {
  auto client = NewClient(Options());
  v1::GetModelRequest request;
  request.set_model_id("global");
  absl::StatusOr<v1::Model> model = client->GetModel(request);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->version(), 3);
  request.set_model_id("nope");
  EXPECT_EQ(client->GetModel(request).status(),
            absl::NotFoundError("model_id: no model \"nope\""));
}

TEST_F(StreamTuneClientTest, CheckHealthAndWaitUntilServing) {
  auto client = NewClient(Options());
  auto health = client->CheckHealth(::grpc::health::v1::HealthCheckRequest());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(client->WaitUntilServing(absl::Seconds(5)).ok());
}

TEST_F(StreamTuneClientTest, WaitUntilServingTimesOutWhenNotServing) {
  server_->GetHealthCheckService()->SetServingStatus(false);
  auto client = NewClient(Options());
  const absl::Time start = absl::Now();
  absl::Status status = client->WaitUntilServing(absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(status.message()), HasSubstr("NOT_SERVING"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(StreamTuneClientTest, WaitUntilServingSeesALateServer) {
  server_->GetHealthCheckService()->SetServingStatus(false);
  std::thread later([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server_->GetHealthCheckService()->SetServingStatus(true);
  });
  EXPECT_TRUE(NewClient(Options())->WaitUntilServing(absl::Seconds(5)).ok());
  later.join();
}

// A loopback port nobody listens on: bound, then released.
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(StreamTuneClientNoServer, UnreachableServerIsUnavailable) {
  const int port = UnusedPort();
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", port);
  options.call_timeout = absl::Seconds(2);
  options.retry.initial_backoff = absl::Milliseconds(1);
  options.retry.max_backoff = absl::Milliseconds(5);
  auto client = StreamTuneClient::Create(options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetJob(v1::GetJobRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  // Long enough for one refused attempt to complete on a loaded machine
  // (its status is what the message names).
  absl::Status wait = (*client)->WaitUntilServing(absl::Seconds(1));
  EXPECT_EQ(wait.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(wait.message()), HasSubstr("UNAVAILABLE"));
}

TEST(StreamTuneClientCreate, RejectsBadOptions) {
  ClientOptions options;
  EXPECT_THAT(std::string(StreamTuneClient::Create(options).status().message()),
              ::testing::StartsWith("target:"));
  options.target = "localhost:1";
  options.tenant = "Acme";
  EXPECT_THAT(std::string(StreamTuneClient::Create(options).status().message()),
              ::testing::StartsWith("tenant:"));
  options.tenant = std::string(65, 'a');
  EXPECT_THAT(std::string(StreamTuneClient::Create(options).status().message()),
              ::testing::StartsWith("tenant:"));
  options.tenant = "acme_1-x";
  options.call_timeout = absl::ZeroDuration();
  EXPECT_THAT(std::string(StreamTuneClient::Create(options).status().message()),
              ::testing::StartsWith("call_timeout:"));
  options.call_timeout = absl::Seconds(1);
  options.retry.max_attempts = -1;
  EXPECT_THAT(std::string(StreamTuneClient::Create(options).status().message()),
              ::testing::StartsWith("retry.max_attempts:"));
  options.retry.max_attempts = 2;
  EXPECT_TRUE(StreamTuneClient::Create(options).ok());
}

}  // namespace
}  // namespace streamtune
