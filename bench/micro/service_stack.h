// The stack the service benchmarks measure: a private PostgreSQL, the real
// streamtuned and a client, set up as production should be: TLS (throwaway
// certificates) and a bearer token, and the server connecting as the
// ordinary role that deploy/pg/start.sh makes the database's owner (a
// superuser would skip the tables' row-level security). Optionally a
// plaintext twin (a second streamtuned on the same database, run
// --insecure_local_only) measures what TLS and the token cost.
#ifndef STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_
#define STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"
#include "client/local/throwaway_tls.h"
#include "client/streamtune_client.h"

namespace streamtune::bench {

struct ServiceStackOptions {
  std::string source_dir;     // The repository (for deploy/pg).
  std::string server_binary;  // STREAMTUNE_SERVER_BINARY overrides it.
  std::string name;           // Names the temporary data directory.
  std::string tenant;         // The client's.
  std::vector<std::string> server_args;
  bool plaintext_twin = false;
};

// Not thread-safe to start; the clients are. Members go in reverse order:
// clients, servers, then PostgreSQL.
struct ServiceStack {
  std::unique_ptr<local::PrivatePostgres> postgres;
  local::ThrowawayTls tls;
  std::unique_ptr<local::ServerProcess> server;  // TLS, tokens
  std::unique_ptr<StreamTuneClient> client;
  std::unique_ptr<local::ServerProcess> plaintext_server;  // if plaintext_twin
  std::unique_ptr<StreamTuneClient> plaintext_client;
};

// Starts everything and waits until the server is SERVING.
absl::Status StartServiceStack(const ServiceStackOptions& options, ServiceStack* stack);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_
