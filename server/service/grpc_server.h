// GrpcServer: the running gRPC endpoint of streamtuned: both StreamTune
// services, grpc.health.v1 (SERVING only while the store answers) and, if
// asked for, server reflection; TLS (optionally requiring client
// certificates) or plaintext; graceful shutdown.
#ifndef STREAMTUNE_SERVER_SERVICE_GRPC_SERVER_H_
#define STREAMTUNE_SERVER_SERVICE_GRPC_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/operations/pretrain_operations.h"
#include "server/core/tuning_core.h"
#include "server/service/call_identity.h"
#include "server/service/rpc_metrics.h"
#include "server/service/tuning_service.h"

namespace streamtune {

// PEM files of the server's TLS identity.
struct TlsFiles {
  std::string cert_file;  // certificate chain
  std::string key_file;   // private key
  // When set, clients must present a certificate signed by one of these CAs.
  std::string client_ca_file;
};

struct GrpcServerOptions {
  // host:port to listen on; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:50051";
  // Most RPCs served at once (gRPC sync server threads).
  int worker_threads = 16;
  // Largest request accepted, in bytes (gRPC answers RESOURCE_EXHAUSTED).
  int max_receive_bytes = 4 << 20;
  // How often readiness (a store ping) is re-checked for the health service.
  absl::Duration readiness_interval = absl::Seconds(2);
  // TLS on the port; nullopt serves plaintext (--insecure_local_only).
  std::optional<TlsFiles> tls;
  // grpc.reflection.v1alpha: lists the API to anyone who reaches the port.
  bool reflection = false;
};

// Thread-safe. Create it with Start; stop it with Shutdown, from any thread.
class GrpcServer {
 public:
  // Binds, starts serving, and starts the readiness watcher; health is
  // NOT_SERVING until the first successful store ping. Everything in
  // `service` and `operations` must outlive the server; without
  // `operations` (null), Pretrain and the operation RPCs are UNIMPLEMENTED.
  // UNAVAILABLE when the address cannot be bound; INVALID_ARGUMENT naming
  // the file when a TLS file cannot be read.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options, ServiceContext service,
      PretrainOperations* operations = nullptr);
  ~GrpcServer();

  // The bound port.
  int port() const;
  // Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish
  // for up to `grace`, then cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);
  // Blocks until the server has shut down.
  void Wait();

 private:
  struct State;
  explicit GrpcServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_GRPC_SERVER_H_
