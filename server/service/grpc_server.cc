#include "server/service/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "server/service/tuning_service.h"

namespace streamtune {
namespace {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const std::optional<TlsFiles>& tls) {
  if (!tls.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  STREAMTUNE_ASSIGN_OR_RETURN(pair.private_key,
                              ReadWholeFile("--tls_key_file", tls->key_file));
  STREAMTUNE_ASSIGN_OR_RETURN(pair.cert_chain,
                              ReadWholeFile("--tls_cert_file", tls->cert_file));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls->client_ca_file.empty()) {
    STREAMTUNE_ASSIGN_OR_RETURN(
        ssl.pem_root_certs, ReadWholeFile("--tls_client_ca_file", tls->client_ca_file));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

struct GrpcServer::State {
  State(ServiceContext service, PretrainOperations* operations)
      : core(service.core),
        metrics(service.metrics),
        tuning(service),
        admin(service, operations) {}

  // Polls the store and mirrors the answer into the health service until
  // shutdown.
  void WatchReadiness(absl::Duration interval) {
    bool last_ready = false;
    do {
      const absl::Status ready = core->CheckReady();
      if (ready.ok() != last_ready || last_ready == false) {
        absl::MutexLock lock(&health_mutex);
        if (!shutting_down.HasBeenNotified()) {
          server->GetHealthCheckService()->SetServingStatus(ready.ok());
          metrics->SetServing(ready.ok());
        }
      }
      if (ready.ok() != last_ready) {
        LogInfo(ready.ok()
                    ? "store ready: SERVING"
                    : absl::StrCat("store not ready: NOT_SERVING: ", ready.message()));
      }
      last_ready = ready.ok();
    } while (!shutting_down.WaitForNotificationWithTimeout(interval));
  }

  TuningCore* core;
  RpcMetrics* metrics;
  TuningService tuning;
  AdminService admin;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  absl::Mutex health_mutex;
  absl::Notification shutting_down;
  absl::Mutex shutdown_mutex;
  bool shut_down = false;
  std::thread readiness;
};

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options, ServiceContext service,
    PretrainOperations* operations) {
  STREAMTUNE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                              Credentials(options.tls));
  auto state = std::make_unique<State>(service, operations);
  RpcMetrics* metrics = service.metrics;
  grpc::EnableDefaultHealthCheckService(true);
  if (options.reflection) {
    // gRPC's built-in health service is not backed by a protobuf
    // descriptor; touching the generated one links it in, so server
    // reflection can describe grpc.health.v1.Health to clients such as
    // grpcurl.
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &state->port);
  builder.RegisterService(&state->tuning);
  builder.RegisterService(&state->admin);
  builder.SetMaxReceiveMessageSize(options.max_receive_bytes);
  grpc::ResourceQuota quota("streamtuned");
  quota.SetMaxThreads(options.worker_threads);
  builder.SetResourceQuota(quota);
  state->server = builder.BuildAndStart();
  if (state->server == nullptr || state->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use or not a valid host:port)"));
  }
  // The default health service starts out SERVING; nothing is ready yet.
  state->server->GetHealthCheckService()->SetServingStatus(false);
  metrics->SetServing(false);
  State* raw = state.get();
  const absl::Duration interval = options.readiness_interval;
  state->readiness = std::thread([raw, interval] { raw->WatchReadiness(interval); });
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(state)));
}

GrpcServer::GrpcServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

GrpcServer::~GrpcServer() {
  Shutdown(absl::ZeroDuration());
  Wait();
}

int GrpcServer::port() const { return state_->port; }

void GrpcServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&state_->shutdown_mutex);
    if (state_->shut_down) return;
    state_->shut_down = true;
  }
  {
    absl::MutexLock lock(&state_->health_mutex);
    state_->shutting_down.Notify();
    // Load balancers and clients polling health stop sending new calls.
    state_->server->GetHealthCheckService()->Shutdown();
    state_->metrics->SetServing(false);
  }
  if (state_->readiness.joinable()) state_->readiness.join();
  state_->server->Shutdown(std::chrono::system_clock::now() +
                           absl::ToChronoNanoseconds(grace));
}

void GrpcServer::Wait() { state_->server->Wait(); }

}  // namespace streamtune
