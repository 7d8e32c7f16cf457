// What the Flink end-to-end tests share: starting the harness JVM and the
// agent binary as child processes, scraping the agent's Prometheus text,
// measuring backpressure through Flink's REST API over a window, and a
// misbehaving HTTP server on loopback.
#ifndef STREAMTUNE_TESTS_FLINK_FLINK_TEST_SUPPORT_H_
#define STREAMTUNE_TESTS_FLINK_FLINK_TEST_SUPPORT_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/flink/flink_rest_client.h"
#include "client/flink/http_client.h"
#include "client/local/child_process.h"
#include "nlohmann/json.hpp"

namespace streamtune::testing {

using local::ChildProcess;

// The JSON in `path` once it exists, polling every 50 ms until `timeout`.
// INTERNAL, with the child's log, if `child` exits first.
absl::StatusOr<nlohmann::json> AwaitJsonFile(const std::string& path,
                                             ChildProcess* child,
                                             absl::Duration timeout);

// True while `child` has not exited.
inline bool Running(ChildProcess& child) { return !child.ExitStatus().has_value(); }

struct HarnessJob {
  std::unique_ptr<ChildProcess> process;
  std::string rest_url;  // http://127.0.0.1:<port>
  std::string job_id;
};

// Runs tests/flink/run-harness.sh `harness_dir` with `flags` (plus a port
// file and --exit-with-stdin) and waits until the job is submitted.
absl::StatusOr<HarnessJob> StartHarness(const std::string& run_script,
                                        const std::string& harness_dir,
                                        const std::string& work_dir,
                                        std::vector<std::string> flags);

struct AgentProcess {
  std::unique_ptr<ChildProcess> process;
  std::string metrics_url;  // http://127.0.0.1:<port>/metrics
};

// Runs streamtune-flink-agent with `flags` plus --metrics_listen=127.0.0.1:0
// and a port file; waits until it listens.
absl::StatusOr<AgentProcess> StartAgent(const std::string& binary,
                                        const std::string& work_dir,
                                        const std::string& name,
                                        std::vector<std::string> flags);

// The sum of the samples of `family` in Prometheus text `text` whose labels
// include every `label="value"` in `labels`; 0 when there is none.
double MetricValue(const std::string& text, const std::string& family,
                   const std::map<std::string, std::string>& labels = {});

absl::StatusOr<std::string> HttpGetText(flink::HttpClient& http,
                                        const std::string& url);

// Milliseconds per second each vertex of the job spent backpressured, per
// subtask on average, over `window` (from Flink's accumulateBackPressuredTimeMs
// counters, so the value covers exactly that window).
absl::StatusOr<std::map<std::string, double>> BackpressureOverWindow(
    flink::HttpClient& http, flink::FlinkRestClient& rest, const std::string& job_id,
    absl::Duration window);

// A loopback HTTP server that answers every request badly: with garbage
// (a 200 whose body is not JSON) or not at all (the client times out). It
// records each request line. Stops when destroyed.
class MisbehavingServer {
 public:
  enum class Mode { kGarbage, kSilent };
  explicit MisbehavingServer(Mode mode);
  ~MisbehavingServer();
  int port() const { return port_; }
  std::vector<std::string> requests();

 private:
  void Serve();
  Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<int> held_;  // Silent mode: connections left unanswered.
  std::thread thread_;
};

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_FLINK_FLINK_TEST_SUPPORT_H_
