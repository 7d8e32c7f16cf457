// ServerProcess: runs the real streamtuned binary as a child process (for the
// benchmark, the demo and integration tests): picks free ports, waits for it
// to listen, stops it with a signal and reports how it exited.
#ifndef STREAMTUNE_CLIENT_LOCAL_SERVER_PROCESS_H_
#define STREAMTUNE_CLIENT_LOCAL_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/local/child_process.h"

namespace streamtune::local {

struct ServerProcessOptions {
  std::string binary;        // Path of streamtuned.
  std::string database_url;  // Passed as --database_url.
  std::vector<std::string> extra_args;
  // Adds --insecure_local_only (plaintext, no credentials; it listens on
  // 127.0.0.1 anyway). Callers that pass TLS flags in extra_args set false.
  bool insecure_local_only = true;
  absl::Duration start_timeout = absl::Seconds(60);
};

// Not thread-safe. The destructor kills a still-running server and removes
// its temporary directory (port file and stderr log; read the log with
// log() before).
class ServerProcess {
 public:
  ~ServerProcess();

  // Starts the binary with --listen=127.0.0.1:0, --metrics_listen=
  // 127.0.0.1:0 and a port file, and waits (polling, with the deadline) until
  // the port file appears. Its stderr goes to a log file (see log()).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const ServerProcessOptions& options);

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  std::string target() const;
  // The server's process id (a benchmark reads its memory from /proc).
  int pid() const;
  // Sends `signal` and waits up to `timeout` for exit. Returns the exit code
  // (128 + signal number if killed by a signal).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  // Everything the server wrote to stderr so far.
  std::string log() const;

 private:
  ServerProcess(std::string dir, std::unique_ptr<ChildProcess> child)
      : dir_(std::move(dir)), child_(std::move(child)) {}
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
};

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_SERVER_PROCESS_H_
