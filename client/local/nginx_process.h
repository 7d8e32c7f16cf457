// NginxProcess: nginx (the Debian package) as a gRPC load balancer in front
// of streamtuned replicas, run as the current user on a free loopback port
// with the project's one config template (deploy/nginx/), rendered into a
// fresh temporary directory. For the scale-out test and the load benchmark.
#ifndef STREAMTUNE_CLIENT_LOCAL_NGINX_PROCESS_H_
#define STREAMTUNE_CLIENT_LOCAL_NGINX_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/local/child_process.h"

namespace streamtune::local {

struct NginxOptions {
  std::string deploy_dir;             // The repository's deploy/.
  std::vector<std::string> backends;  // gRPC host:port of each replica.
  std::string binary = "nginx";       // Path, or a name looked up in PATH.
  absl::Duration start_timeout = absl::Seconds(20);
};

// Not thread-safe. The destructor kills nginx and removes its directory.
class NginxProcess {
 public:
  // Renders the config, starts nginx in the foreground and waits (polling,
  // with the deadline) until it accepts connections; retries with another
  // port when the chosen one was taken meanwhile. FAILED_PRECONDITION when
  // nginx is not installed.
  static absl::StatusOr<std::unique_ptr<NginxProcess>> Start(
      const NginxOptions& options);
  ~NginxProcess();

  int port() const { return port_; }
  std::string target() const;
  // The rendered config and everything nginx wrote so far.
  std::string config_path() const { return dir_ + "/nginx.conf"; }
  std::string log() const { return child_->log(); }

 private:
  NginxProcess(std::string dir, int port, std::unique_ptr<ChildProcess> child)
      : dir_(std::move(dir)), port_(port), child_(std::move(child)) {}
  std::string dir_;
  int port_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_NGINX_PROCESS_H_
