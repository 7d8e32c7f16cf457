// LocalService: the streamtuned a command-line tool talks to — either an
// address the user gave, or a private stack it starts itself (a throwaway
// PostgreSQL under a state directory plus a streamtuned child process).
#ifndef STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_
#define STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"

namespace streamtune::local {

struct LocalServiceOptions {
  std::string server;     // host:port of a running streamtuned; empty: start one.
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
  const std::string& target() const { return target_; }
  // What the private streamtuned wrote to stderr so far ("" when the
  // service is one the user gave by address).
  std::string ServerLog() const;

 private:
  LocalService() = default;
  std::unique_ptr<PrivatePostgres> postgres_;
  std::unique_ptr<ServerProcess> server_;
  std::string target_;
};

// $STREAMTUNE_SERVER_BINARY when set, else `built_in` (the build's binary).
std::string ServerBinaryOr(const std::string& built_in);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_LOCAL_SERVICE_H_
