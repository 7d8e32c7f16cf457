// The stack the service benchmarks measure: a private PostgreSQL, the real
// streamtuned and a client. The server connects as an ordinary role that
// owns the tables, as production should: a superuser (the private
// PostgreSQL's `postgres`) would skip the tables' row-level security.
#ifndef STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_
#define STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"

namespace streamtune::bench {

struct ServiceStackOptions {
  std::string source_dir;     // The repository (for deploy/pg).
  std::string server_binary;  // STREAMTUNE_SERVER_BINARY overrides it.
  std::string role;           // Names the role and its database.
  std::string tenant;         // The client's.
  std::vector<std::string> server_args;
};

// Not thread-safe to start; the client is. Members go in reverse order:
// client, server, then PostgreSQL.
struct ServiceStack {
  std::unique_ptr<local::PrivatePostgres> postgres;
  std::unique_ptr<local::ServerProcess> server;
  std::unique_ptr<StreamTuneClient> client;
};

// Starts everything and waits until the server is SERVING.
absl::Status StartServiceStack(const ServiceStackOptions& options, ServiceStack* stack);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_MICRO_SERVICE_STACK_H_
