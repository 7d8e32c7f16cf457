// LocalService: the streamtuned a command-line tool talks to — either an
// address the user gave, or a private stack it starts itself (a throwaway
// PostgreSQL under a state directory plus a streamtuned child process).
//
// The private stack is secured like a deployment: streamtuned serves TLS
// with throwaway certificates made at every start (deploy/gen-certs.sh), and
// every caller gets a token of its own (ClientFor), revoked when the stack
// stops. Nothing runs with --insecure_local_only.
#ifndef STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_
#define STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"
#include "client/local/throwaway_tls.h"
#include "client/streamtune_client.h"
#include "server/core/auth/roles.h"

namespace streamtune {
class Store;
}

namespace streamtune::local {

struct LocalServiceOptions {
  std::string server;  // host:port of a running streamtuned; empty: start one.
  // How to reach `server` (TLS files, token: the user's connection flags).
  ClientOptions server_connection;
  std::string state_dir;  // Where the private PostgreSQL keeps its data.
  std::string server_binary;
  std::string deploy_dir;                // The repository's deploy/ (pg scripts).
  std::vector<std::string> server_args;  // Extra streamtuned flags.
  std::string log_prefix;                // e.g. "bench" for progress lines on stderr.
};

// Not thread-safe. Stops what it started when destroyed.
class LocalService {
 public:
  static absl::StatusOr<std::unique_ptr<LocalService>> Start(
      const LocalServiceOptions& options);
  ~LocalService();

  // Client options for calling as `tenant`. The private stack issues a token
  // for `tenant` with `role` (stored hashed in its PostgreSQL, revoked when
  // this object is destroyed) and trusts the throwaway CA; a given server is
  // reached with `server_connection`, whose token decides the role.
  absl::StatusOr<ClientOptions> ClientFor(const std::string& tenant, Role role);
  // What the private streamtuned wrote to stderr so far ("" when the
  // service is one the user gave by address).
  std::string ServerLog() const;

 private:
  LocalService() = default;
  LocalServiceOptions options_;
  std::unique_ptr<PrivatePostgres> postgres_;
  ThrowawayTls tls_;
  std::unique_ptr<Store> tokens_;
  std::vector<std::string> issued_token_ids_;
  std::unique_ptr<ServerProcess> server_;
};

// $STREAMTUNE_SERVER_BINARY when set, else `built_in` (the build's binary).
std::string ServerBinaryOr(const std::string& built_in);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_
