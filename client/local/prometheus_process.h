// PrometheusProcess: a real Prometheus server (the Debian package) scraping
// streamtuned replicas, run as the current user on a free loopback port with
// the project's config template (deploy/prometheus/) and its data in a fresh
// temporary directory; Query() asks its HTTP API. For the metrics test.
#ifndef STREAMTUNE_CLIENT_LOCAL_PROMETHEUS_PROCESS_H_
#define STREAMTUNE_CLIENT_LOCAL_PROMETHEUS_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/local/child_process.h"
#include "nlohmann/json.hpp"

namespace streamtune::local {

struct PrometheusOptions {
  std::string deploy_dir;            // The repository's deploy/.
  std::vector<std::string> targets;  // Metrics host:port of each replica.
  std::string scrape_interval = "1s";
  std::string binary = "prometheus";  // Path, or a name looked up in PATH.
  absl::Duration start_timeout = absl::Seconds(60);
};

// Not thread-safe. The destructor kills Prometheus and removes its data.
class PrometheusProcess {
 public:
  // Renders the config, starts Prometheus and waits (polling /-/ready, with
  // the deadline) until it is ready; retries with another port when the
  // chosen one was taken meanwhile. FAILED_PRECONDITION when Prometheus is
  // not installed.
  static absl::StatusOr<std::unique_ptr<PrometheusProcess>> Start(
      const PrometheusOptions& options);
  ~PrometheusProcess();

  int port() const { return port_; }
  // The `result` array of an instant query (/api/v1/query): one element per
  // series, {"metric": {labels}, "value": [time, "value"]}. INTERNAL when
  // Prometheus answers with an error (e.g. a bad expression).
  absl::StatusOr<nlohmann::json> Query(const std::string& expression) const;
  std::string log() const { return child_->log(); }

 private:
  PrometheusProcess(std::string dir, int port, std::unique_ptr<ChildProcess> child)
      : dir_(std::move(dir)), port_(port), child_(std::move(child)) {}
  std::string dir_;
  int port_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_PROMETHEUS_PROCESS_H_
