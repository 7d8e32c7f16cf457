// TuningService and AdminService behind a real in-process gRPC server (no
// network: the stubs use the server's in-process channel), over a TuningCore
// on an InMemoryStore with DS2 as the only policy.
#include "server/service/tuning_service.h"

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"
#include "common/tenant.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/auth/api_token.h"
#include "server/core/learning/model_repository.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/testing/invalid_utf8.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/in_memory_store.h"
#include "tests/raw_unary_call.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

// An InMemoryStore whose decision reads can be made to fail, as a
// PostgreSQL store does when its pool is exhausted or the server is down.
class FailingDecisionStore : public InMemoryStore {
 public:
  absl::Status decision_read_error;  // OK: read normally

  absl::StatusOr<DecisionInputs> LoadDecisionInputs(
      absl::string_view tenant, const DecisionReadRequest& request) override {
    if (!decision_read_error.ok()) return decision_read_error;
    return InMemoryStore::LoadDecisionInputs(tenant, request);
  }
};

class TuningServiceTest : public ::testing::Test {
 protected:
  // With `rate_limiter` (borrowed; may be constructed after this) both
  // services check each tenant's call rate.
  explicit TuningServiceTest(TenantRateLimiter* rate_limiter = nullptr)
      : tuning_({&core_, &metrics_, &identity_, rate_limiter}),
        admin_({&core_, &metrics_, &identity_, rate_limiter}, &operations_) {
    EXPECT_TRUE(policies_.Add(std::make_unique<Ds2Policy>()).ok());
    EXPECT_TRUE(policies_.SetDefault("ds2").ok());
    grpc::ServerBuilder builder;
    builder.RegisterService(&tuning_);
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    stub_ = v1::StreamTune::NewStub(channel_);
    admin_stub_ = v1::StreamTuneAdmin::NewStub(channel_);
  }

  ~TuningServiceTest() override { StopServer(); }

  // Stops the server; returns once every handler has finished.
  void StopServer() {
    if (server_ == nullptr) return;
    server_->Shutdown();
    server_->Wait();
    server_.reset();
  }

  // A client context for `tenant` (none: no tenant metadata) with a deadline
  // `timeout` from now.
  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& tenant = "",
      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!tenant.empty()) context->AddMetadata(kTenantMetadataKey, tenant);
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
  }

  static v1::SnapshotRequest Request(const v1::Snapshot& snapshot) {
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = snapshot;
    return request;
  }

  grpc::Status GetJob(const std::string& tenant, const std::string& job_id,
                      v1::Job* job) {
    v1::GetJobRequest request;
    request.set_job_id(job_id);
    return stub_->GetJob(Context(tenant).get(), request, job);
  }

  // Value of streamtune_rpcs_total{method, code}, or -1 when absent.
  double RpcCount(const std::string& method, const std::string& code) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != "streamtune_rpcs_total") continue;
      for (const auto& metric : family.metric) {
        std::string got_method, got_code;
        for (const auto& label : metric.label) {
          if (label.name == "method") got_method = label.value;
          if (label.name == "code") got_code = label.value;
        }
        if (got_method == method && got_code == code) return metric.counter.value;
      }
    }
    return -1;
  }

  FailingDecisionStore store_;
  PolicyRegistry policies_;
  TuningCore core_{&store_, &policies_};
  prometheus::Registry registry_;
  RpcMetrics metrics_{&registry_};
  // Tests of token authentication switch this before their first call.
  CallIdentity identity_ = CallIdentity::InsecureLocalOnly();
  PretrainOperations operations_{&store_, &core_};
  TuningService tuning_;
  AdminService admin_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::StreamTune::Stub> stub_;
  std::unique_ptr<v1::StreamTuneAdmin::Stub> admin_stub_;
};

TEST(TuningServiceTenant, MetadataKeyIsTheDocumentedOne) {
  EXPECT_STREQ(kTenantMetadataKey, "x-streamtune-tenant");
}

TEST_F(TuningServiceTest, RecommendAnswersAValidSnapshotAndCountsTheRpc) {
  v1::Recommendation answer;
  const grpc::Status status =
      stub_->Recommend(Context().get(), Request(testing::ValidChain()), &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.policy(), "ds2");
  EXPECT_EQ(answer.job_id(), "job");
  EXPECT_EQ(answer.snapshot_id(), "s1");
  EXPECT_EQ(answer.operators_size(), 3);
  EXPECT_EQ(RpcCount("Recommend", "OK"), 1);
  // Without tenant metadata the call belongs to the default tenant.
  auto stored = store_.GetJob(kDefaultTenant, "job");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->recommendation_count(), 1);
}

TEST_F(TuningServiceTest, ABadSnapshotIsInvalidArgumentNamingTheField) {
  v1::Snapshot bad = testing::ValidChain();
  testing::AddEdge(&bad, "map", "joinn");
  v1::Recommendation answer;
  const grpc::Status status = stub_->Recommend(Context().get(), Request(bad), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("snapshot.edges[2].to: unknown operator \"joinn\""));
  EXPECT_EQ(RpcCount("Recommend", "INVALID_ARGUMENT"), 1);
  v1::ReportSnapshotResponse report;
  EXPECT_EQ(stub_->ReportSnapshot(Context().get(), Request(bad), &report).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_.GetJob(kDefaultTenant, "job").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TuningServiceTest, InvalidUtf8InANestedStringIsInvalidArgumentNamingThePath) {
  v1::Snapshot snapshot = testing::ValidChain();
  snapshot.mutable_operators(2)->set_id("zzzz");
  const std::string bytes =
      testing::SerializedWithInvalidUtf8(Request(snapshot), "zzzz");
  for (const char* method : {"Recommend", "ReportSnapshot"}) {
    const grpc::Status status = testing::RawUnaryCall(
        channel_, absl::StrCat("/streamtune.v1.StreamTune/", method), bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_EQ(status.error_message(), "snapshot.operators[2].id: invalid UTF-8")
        << method;
    EXPECT_EQ(RpcCount(method, "INVALID_ARGUMENT"), 1) << method;
  }
  EXPECT_EQ(store_.GetJob(kDefaultTenant, "job").status().code(),
            absl::StatusCode::kNotFound);
  // The same request with a valid id goes through the same handler to the core.
  snapshot.mutable_operators(2)->set_id("sink");
  const grpc::Status valid =
      testing::RawUnaryCall(channel_, "/streamtune.v1.StreamTune/Recommend",
                            Request(snapshot).SerializeAsString());
  EXPECT_TRUE(valid.ok()) << valid.error_message();
  EXPECT_EQ(RpcCount("Recommend", "OK"), 1);
}

// Every method of both services, so a method added without its
// AnswerMalformedRequests line fails here instead of answering INTERNAL.
TEST_F(TuningServiceTest, EveryMethodAnswersGarbageWithInvalidArgumentNamingTheType) {
  for (const char* service : {v1::StreamTune::service_full_name(),
                              v1::StreamTuneAdmin::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = descriptor->method(i);
      const grpc::Status status = testing::RawUnaryCall(
          channel_, absl::StrCat("/", service, "/", method->name()), "\xff\xff\xff");
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << method->full_name();
      EXPECT_EQ(status.error_message(),
                absl::StrCat("not a valid ", method->input_type()->full_name(),
                             " message: invalid field tag"))
          << method->full_name();
    }
  }
}

TEST_F(TuningServiceTest, TheTenantComesFromMetadataAndTenantsAreIsolated) {
  v1::Recommendation answer;
  ASSERT_TRUE(
      stub_->Recommend(Context("alpha").get(), Request(testing::ValidChain()), &answer)
          .ok());
  v1::Job job;
  const grpc::Status own = GetJob("alpha", "job", &job);
  ASSERT_TRUE(own.ok()) << own.error_message();
  EXPECT_EQ(job.job_id(), "job");
  EXPECT_EQ(job.recommendation_count(), 1);
  EXPECT_EQ(GetJob("beta", "job", &job).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetJob("", "job", &job).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::ListJobsResponse alpha_jobs, beta_jobs;
  ASSERT_TRUE(
      stub_->ListJobs(Context("alpha").get(), v1::ListJobsRequest(), &alpha_jobs).ok());
  ASSERT_TRUE(
      stub_->ListJobs(Context("beta").get(), v1::ListJobsRequest(), &beta_jobs).ok());
  EXPECT_EQ(alpha_jobs.jobs_size(), 1);
  EXPECT_EQ(beta_jobs.jobs_size(), 0);
}

TEST_F(TuningServiceTest, AnInvalidTenantInMetadataIsInvalidArgument) {
  v1::Recommendation answer;
  const grpc::Status status = stub_->Recommend(Context("Bad Tenant").get(),
                                               Request(testing::ValidChain()), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TuningServiceTest, GetJobOfAnUnknownJobIsNotFound) {
  v1::Job job;
  const grpc::Status status = GetJob("alpha", "nope", &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(RpcCount("GetJob", "NOT_FOUND"), 1);
}

TEST_F(TuningServiceTest, GetPretrainRunIsNotFoundBeforeAnyRunThenAnswersTheNewest) {
  v1::PretrainRun run;
  const grpc::Status before =
      admin_stub_->GetPretrainRun(Context("alpha").get(), {}, &run);
  EXPECT_EQ(before.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(before.error_message(), HasSubstr("no pre-training run yet"));

  ModelRepository models(&store_, /*trainer=*/nullptr);
  PretrainedModels published;
  published.run = "run-1";
  ASSERT_TRUE(models.PublishRun("alpha", published).ok());
  const grpc::Status after =
      admin_stub_->GetPretrainRun(Context("alpha").get(), {}, &run);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_EQ(run.run_id(), "run-1");
  // Another tenant still has none.
  EXPECT_EQ(admin_stub_->GetPretrainRun(Context("beta").get(), {}, &run).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(TuningServiceTest, OperationRpcsReadAndCancelTheTenantsOperations) {
  v1::Operation stored;
  stored.set_name("operations/one");
  stored.set_state(v1::RUNNING);
  ASSERT_TRUE(store_.CreateOperation("alpha", stored).ok());
  v1::GetOperationRequest get;
  get.set_name("operations/one");
  v1::Operation operation;
  const grpc::Status read =
      admin_stub_->GetOperation(Context("alpha").get(), get, &operation);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(operation.state(), v1::RUNNING);
  EXPECT_EQ(
      admin_stub_->GetOperation(Context("beta").get(), get, &operation).error_code(),
      grpc::StatusCode::NOT_FOUND);
  v1::ListOperationsResponse listed;
  ASSERT_TRUE(admin_stub_->ListOperations(Context("alpha").get(), {}, &listed).ok());
  EXPECT_EQ(listed.operations_size(), 1);
  v1::CancelOperationRequest cancel;
  cancel.set_name("operations/one");
  ASSERT_TRUE(
      admin_stub_->CancelOperation(Context("alpha").get(), cancel, &operation).ok());
  EXPECT_TRUE(operation.cancel_requested());
  // This core has no pretrainer: Pretrain is refused at once.
  EXPECT_EQ(admin_stub_->Pretrain(Context("alpha").get(), {}, &operation).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(RpcCount("GetOperation", "OK"), 1);
}

TEST_F(TuningServiceTest, AnExpiredDeadlineIsDeadlineExceededAndStoresNothing) {
  v1::Recommendation answer;
  const grpc::Status status =
      stub_->Recommend(Context("alpha", std::chrono::milliseconds(-1000)).get(),
                       Request(testing::ValidChain()), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  v1::ReportSnapshotResponse report;
  EXPECT_EQ(
      stub_
          ->ReportSnapshot(Context("alpha", std::chrono::milliseconds(-1000)).get(),
                           Request(testing::ValidChain()), &report)
          .error_code(),
      grpc::StatusCode::DEADLINE_EXCEEDED);
  // Every handler that may have started has finished once the server stops.
  StopServer();
  EXPECT_EQ(store_.GetJob("alpha", "job").status().code(), absl::StatusCode::kNotFound);
  auto recent = store_.RecentSnapshots("alpha", "job", 10);
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_TRUE(recent->empty());
}

// The same services with tokens: the tenant and the role come from the
// token (docs/operations.md, "Security").
class TokenAuthTest : public TuningServiceTest {
 protected:
  TokenAuthTest() {
    AuthenticatorOptions options;
    options.cache_ttl = absl::ZeroDuration();
    authenticator_ = std::make_unique<Authenticator>(&store_, options);
    identity_ = CallIdentity::Tokens(authenticator_.get());
  }

  // Stores a new token and returns its text.
  std::string Token(const std::string& tenant, Role role) {
    absl::StatusOr<IssuedToken> issued = IssueToken(tenant, role, "test");
    EXPECT_TRUE(issued.ok() && store_.PutToken(issued->record).ok());
    return issued->text;
  }

  static std::unique_ptr<grpc::ClientContext> WithToken(
      const std::string& token, const std::string& tenant = "") {
    auto context = Context(tenant);
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  std::unique_ptr<Authenticator> authenticator_;
};

TEST_F(TokenAuthTest, ACallWithoutATokenIsUnauthenticated) {
  v1::Job job;
  v1::GetJobRequest request;
  request.set_job_id("any");
  grpc::Status status = stub_->GetJob(Context("acme").get(), request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("authorization: Bearer"));
  EXPECT_EQ(RpcCount("GetJob", "UNAUTHENTICATED"), 1);
}

TEST_F(TokenAuthTest, TheTenantIsTheTokensAndAHeaderCannotChangeIt) {
  const std::string acme = Token("acme", Role::kTenant);
  v1::Recommendation answer;
  ASSERT_TRUE(
      stub_->Recommend(WithToken(acme).get(), Request(testing::ValidChain()), &answer)
          .ok());
  EXPECT_TRUE(store_.GetJob("acme", "job").ok());
  EXPECT_FALSE(store_.GetJob(kDefaultTenant, "job").ok());

  grpc::Status other = stub_->Recommend(WithToken(acme, "globex").get(),
                                        Request(testing::ValidChain("s2")), &answer);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(store_.GetJob("globex", "job").ok());
  EXPECT_EQ(store_.GetJob("acme", "job")->snapshot_count(), 1);
}

TEST_F(TokenAuthTest, AdminMethodsNeedTheAdminRole) {
  v1::ListModelsResponse models;
  EXPECT_EQ(admin_stub_
                ->ListModels(WithToken(Token("acme", Role::kTenant)).get(),
                             v1::ListModelsRequest(), &models)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(admin_stub_
                  ->ListModels(WithToken(Token("acme", Role::kAdmin)).get(),
                               v1::ListModelsRequest(), &models)
                  .ok());
}

TEST_F(TokenAuthTest, ARevokedOrForgedTokenIsUnauthenticated) {
  const std::string token = Token("acme", Role::kTenant);
  ASSERT_TRUE(store_.RevokeToken(ParseToken(token)->token_id).ok());
  v1::Job job;
  v1::GetJobRequest request;
  request.set_job_id("any");
  EXPECT_EQ(stub_->GetJob(WithToken(token).get(), request, &job).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::string forged = Token("acme", Role::kTenant) + "x";
  EXPECT_EQ(stub_->GetJob(WithToken(forged).get(), request, &job).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TuningServiceTest, AnOverloadedStoreAnswersResourceExhaustedWithPushback) {
  store_.decision_read_error =
      WithRetryAfter(absl::ResourceExhaustedError(
                         "postgres: no free connection within 10s (pool of 8)"),
                     absl::Milliseconds(1000));
  auto context = Context();
  v1::Recommendation answer;
  const grpc::Status status =
      stub_->Recommend(context.get(), Request(testing::ValidChain()), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const auto& trailers = context->GetServerTrailingMetadata();
  auto pushback = trailers.find("grpc-retry-pushback-ms");
  ASSERT_NE(pushback, trailers.end());
  EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()), "1000");
}

TEST_F(TuningServiceTest, AnOutageAnswersUnavailableWithoutPushback) {
  store_.decision_read_error = absl::UnavailableError("postgres: cannot connect");
  auto context = Context();
  v1::Recommendation answer;
  const grpc::Status status =
      stub_->Recommend(context.get(), Request(testing::ValidChain()), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(context->GetServerTrailingMetadata().count("grpc-retry-pushback-ms"), 0u);
}

// Three calls a second per tenant on a clock that stands still: what the
// (N+1)th call within one second sees.
class CallQuotaTest : public TuningServiceTest {
 protected:
  static constexpr int kCallsPerSecond = 3;

  CallQuotaTest() : TuningServiceTest(&rate_limiter_) {}

  static TenantRateLimiterOptions QuotaOptions() {
    TenantRateLimiterOptions options;
    options.limit = {kCallsPerSecond, kCallsPerSecond};
    options.clock = [] { return absl::FromUnixSeconds(1'800'000'000); };
    return options;
  }

  TenantRateLimiter rate_limiter_{QuotaOptions()};
};

TEST_F(CallQuotaTest, TheCallAfterTheQuotaIsResourceExhaustedWithPushback) {
  v1::Job job;
  for (int i = 0; i < kCallsPerSecond; ++i) {
    v1::Recommendation answer;
    ASSERT_TRUE(
        stub_->Recommend(Context("acme").get(), Request(testing::ValidChain()), &answer)
            .ok())
        << i;
  }
  auto context = Context("acme");
  v1::GetJobRequest request;
  request.set_job_id("chain");
  const grpc::Status refused = stub_->GetJob(context.get(), request, &job);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("acme"));
  const auto& trailers = context->GetServerTrailingMetadata();
  auto pushback = trailers.find("grpc-retry-pushback-ms");
  ASSERT_NE(pushback, trailers.end());
  // A third of a second until the next of three tokens a second.
  EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()), "334");
  EXPECT_EQ(RpcCount("GetJob", "RESOURCE_EXHAUSTED"), 1);
}

TEST_F(CallQuotaTest, AnotherTenantIsUnaffectedAndAdminCallsCount) {
  for (int i = 0; i < kCallsPerSecond; ++i) {
    v1::Job job;
    ASSERT_EQ(GetJob("acme", "missing", &job).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  v1::Job job;
  EXPECT_EQ(GetJob("acme", "missing", &job).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  for (int i = 0; i < kCallsPerSecond; ++i) {
    EXPECT_EQ(GetJob("globex", "missing", &job).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << i;
  }
  v1::ListModelsResponse models;
  EXPECT_EQ(
      admin_stub_->ListModels(Context("globex").get(), v1::ListModelsRequest(), &models)
          .error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace streamtune
