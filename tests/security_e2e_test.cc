// The real streamtuned over TLS with tokens (ctest -L security): every RPC
// of both StreamTune services, sent by every kind of caller that must be
// refused (no credential, a revoked token, another tenant's token naming
// this tenant, a tenant-role token on an admin method), is refused with
// UNAUTHENTICATED or PERMISSION_DENIED and reads and writes nothing; a
// client that trusts another CA never completes the handshake. The methods
// are read from the services' descriptors, so a new RPC is covered at once.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "common/files.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "server/core/auth/api_token.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/postgres_store.h"
#include "streamtune/v1/admin.grpc.pb.h"
#include "streamtune/v1/service.grpc.pb.h"
#include "tests/raw_unary_call.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

using Metadata = std::vector<std::pair<std::string, std::string>>;

constexpr char kJob[] = "job";

// A request of `type` aimed at acme's data: its job, a snapshot to store,
// an operation name, when the message has such fields.
std::string RequestBytes(const google::protobuf::Descriptor& type) {
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  const google::protobuf::Reflection& reflection = *request->GetReflection();
  if (const auto* job = type.FindFieldByName("job_id")) {
    reflection.SetString(request.get(), job, kJob);
  }
  if (const auto* name = type.FindFieldByName("name")) {
    reflection.SetString(request.get(), name, "operations/any");
  }
  if (const auto* snapshot = type.FindFieldByName("snapshot")) {
    reflection.MutableMessage(request.get(), snapshot)
        ->CopyFrom(testing::ValidChain("intruder"));
  }
  return request->SerializeAsString();
}

class SecurityE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::Status status = StartServer();
    if (!status.ok()) startup_error_ = new std::string(status.ToString());
  }

  static void TearDownTestSuite() {
    delete server_;
    delete store_;
    delete database_;
    delete tokens_;
    delete startup_error_;
    server_ = nullptr;
    store_ = nullptr;
    database_ = nullptr;
    tokens_ = nullptr;
    startup_error_ = nullptr;
  }

  struct Tokens {
    std::string acme_admin, acme_tenant, acme_revoked, globex_tenant;
  };

  static absl::StatusOr<std::string> Issue(const std::string& tenant, Role role) {
    absl::StatusOr<IssuedToken> issued =
        IssueAndStoreToken(*store_, tenant, role, "security test");
    if (!issued.ok()) return issued.status();
    return issued->text;
  }

  static absl::Status StartServer() {
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("security");
    if (!database.ok()) return database.status();
    database_ = database->release();
    const std::string certs = ::testing::TempDir() + "/security-certs";
    for (const char* dir : {"/tls", "/other-ca"}) {
      const std::string command =
          absl::StrCat("bash ", STREAMTUNE_GEN_CERTS, " ", certs, dir, " 2>/dev/null");
      if (std::system(command.c_str()) != 0) {
        return absl::InternalError(absl::StrCat("failed: ", command));
      }
    }
    certs_ = certs;
    PostgresStoreOptions store_options;
    store_options.database_url = database_->url();
    store_options.pool_size = 1;
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Create(store_options);
    if (!store.ok()) return store.status();
    store_ = store->release();
    tokens_ = new Tokens();
    for (auto [text, tenant, role] :
         {std::tuple{&tokens_->acme_admin, "acme", Role::kAdmin},
          {&tokens_->acme_tenant, "acme", Role::kTenant},
          {&tokens_->acme_revoked, "acme", Role::kAdmin},
          {&tokens_->globex_tenant, "globex", Role::kTenant}}) {
      absl::StatusOr<std::string> issued = Issue(tenant, role);
      if (!issued.ok()) return issued.status();
      *text = *issued;
    }
    absl::Status revoked =
        store_->RevokeToken(ParseToken(tokens_->acme_revoked)->token_id).status();
    if (!revoked.ok()) return revoked;

    absl::StatusOr<std::unique_ptr<local::ServerProcess>> server =
        StartTlsServer("--token_cache_ttl=0s");
    if (!server.ok()) return server.status();
    server_ = server->release();

    // acme's data, which the refused callers must neither read nor change.
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> acme =
        Client(tokens_->acme_admin, "/tls/ca.pem");
    if (!acme.ok()) return acme.status();
    absl::Status serving = (*acme)->WaitUntilServing(absl::Seconds(60));
    if (!serving.ok()) return absl::Status(serving.code(), server_->log());
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = testing::ValidChain("s1");
    request.set_policy("ds2");
    return (*acme)->Recommend(request).status();
  }

  // A streamtuned serving TLS with the throwaway server certificate, on the
  // test's database, with `extra_flag` too.
  static absl::StatusOr<std::unique_ptr<local::ServerProcess>> StartTlsServer(
      const std::string& extra_flag) {
    local::ServerProcessOptions options;
    options.binary = STREAMTUNE_SERVER_BINARY;
    options.database_url = database_->url();
    options.insecure_local_only = false;
    options.extra_args = {absl::StrCat("--tls_cert_file=", certs_, "/tls/server.pem"),
                          absl::StrCat("--tls_key_file=", certs_, "/tls/server.key"),
                          extra_flag};
    return local::ServerProcess::Start(options);
  }

  static absl::StatusOr<std::unique_ptr<StreamTuneClient>> Client(
      const std::string& token, const std::string& ca) {
    ClientOptions options;
    options.target = server_->target();
    options.token = token;
    options.tls_ca_file = certs_ + ca;
    options.call_timeout = absl::Seconds(5);
    return StreamTuneClient::Create(options);
  }

  static absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel() {
    grpc::SslCredentialsOptions ssl;
    absl::StatusOr<std::string> ca = ReadWholeFile("ca", certs_ + "/tls/ca.pem");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    return grpc::CreateChannel(server_->target(), grpc::SslCredentials(ssl));
  }

  void SetUp() override { ASSERT_EQ(startup_error_, nullptr) << *startup_error_; }

  static inline std::string* startup_error_ = nullptr;
  static inline testing::ScratchDatabase* database_ = nullptr;
  static inline PostgresStore* store_ = nullptr;
  static inline Tokens* tokens_ = nullptr;
  static inline local::ServerProcess* server_ = nullptr;
  static inline std::string certs_;
};

TEST_F(SecurityE2eTest, EveryRpcRefusesEveryWrongCaller) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> tls_channel = Channel();
  ASSERT_TRUE(tls_channel.ok()) << tls_channel.status();
  const std::shared_ptr<grpc::Channel>& channel = *tls_channel;
  const auto bearer = [](const std::string& token) {
    return std::pair<std::string, std::string>{"authorization", "Bearer " + token};
  };
  struct Caller {
    const char* who;
    Metadata metadata;
    grpc::StatusCode expected;
    bool admin_methods_only;
  };
  const std::vector<Caller> callers = {
      {"no credential",
       {{"x-streamtune-tenant", "acme"}},
       grpc::UNAUTHENTICATED,
       false},
      {"revoked token", {bearer(tokens_->acme_revoked)}, grpc::UNAUTHENTICATED, false},
      {"globex's token naming acme",
       {bearer(tokens_->globex_tenant), {"x-streamtune-tenant", "acme"}},
       grpc::PERMISSION_DENIED,
       false},
      {"acme's tenant-role token",
       {bearer(tokens_->acme_tenant)},
       grpc::PERMISSION_DENIED,
       true},
  };
  int calls = 0;
  for (const google::protobuf::ServiceDescriptor* service :
       {google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            v1::StreamTune::service_full_name()),
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            v1::StreamTuneAdmin::service_full_name())}) {
    ASSERT_NE(service, nullptr);
    const bool admin = service->full_name() == "streamtune.v1.StreamTuneAdmin";
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor& method = *service->method(m);
      const std::string path =
          absl::StrCat("/", service->full_name(), "/", method.name());
      const std::string bytes = RequestBytes(*method.input_type());
      for (const Caller& caller : callers) {
        if (caller.admin_methods_only && !admin) continue;
        const grpc::Status status =
            testing::RawUnaryCallWithMetadata(channel, path, bytes, caller.metadata);
        EXPECT_EQ(status.error_code(), caller.expected)
            << path << " by " << caller.who << ": " << status.error_message();
        ++calls;
      }
    }
  }
  EXPECT_GE(calls, 13 * 3 + 7);

  // Nothing was written: acme's job still holds its one snapshot and
  // answer, globex has no job, and no operation was started.
  absl::StatusOr<v1::Job> job = store_->GetJob("acme", kJob);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->snapshot_count(), 1);
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_EQ(store_->GetJob("globex", kJob).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<Page<v1::Operation>> operations =
      store_->ListOperations("acme", PageRequest());
  ASSERT_TRUE(operations.ok()) << operations.status();
  EXPECT_TRUE(operations->items.empty());
}

TEST_F(SecurityE2eTest, TheRightCallersAreServed) {
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> tenant =
      Client(tokens_->acme_tenant, "/tls/ca.pem");
  ASSERT_TRUE(tenant.ok()) << tenant.status();
  v1::GetJobRequest request;
  request.set_job_id(kJob);
  absl::StatusOr<v1::Job> job = (*tenant)->GetJob(request);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->snapshot_count(), 1);
  // globex's own token sees globex's (empty) tenant, not acme's.
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> globex =
      Client(tokens_->globex_tenant, "/tls/ca.pem");
  ASSERT_TRUE(globex.ok()) << globex.status();
  EXPECT_EQ((*globex)->GetJob(request).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> admin =
      Client(tokens_->acme_admin, "/tls/ca.pem");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_TRUE((*admin)->ListModels(v1::ListModelsRequest()).ok());
}

TEST_F(SecurityE2eTest, AClientTrustingAnotherCaFailsTheHandshake) {
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
      Client(tokens_->acme_admin, "/other-ca/ca.pem");
  ASSERT_TRUE(client.ok()) << client.status();
  v1::GetJobRequest request;
  request.set_job_id(kJob);
  const absl::Status status = (*client)->GetJob(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

TEST_F(SecurityE2eTest, MutualTlsRefusesAClientWithoutACertificate) {
  absl::StatusOr<std::unique_ptr<local::ServerProcess>> mtls =
      StartTlsServer(absl::StrCat("--tls_client_ca_file=", certs_, "/tls/ca.pem"));
  ASSERT_TRUE(mtls.ok()) << mtls.status();
  ClientOptions client;
  client.target = (*mtls)->target();
  client.token = tokens_->acme_tenant;
  client.tls_ca_file = certs_ + "/tls/ca.pem";
  client.call_timeout = absl::Seconds(5);
  v1::GetJobRequest request;
  request.set_job_id(kJob);
  // With the client certificate first (the server is up and serving), then
  // the same client without one.
  ClientOptions with_certificate = client;
  with_certificate.tls_client_cert_file = certs_ + "/tls/client.pem";
  with_certificate.tls_client_key_file = certs_ + "/tls/client.key";
  with_certificate.call_timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> with =
      StreamTuneClient::Create(with_certificate);
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_TRUE((*with)->WaitUntilServing(absl::Seconds(60)).ok()) << (*mtls)->log();
  absl::StatusOr<v1::Job> job = (*with)->GetJob(request);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->snapshot_count(), 1);
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> without =
      StreamTuneClient::Create(client);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ((*without)->GetJob(request).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace streamtune
