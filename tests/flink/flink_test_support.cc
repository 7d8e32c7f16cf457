#include "tests/flink/flink_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/flink/flink_rest.h"
#include "common/status_macros.h"

namespace streamtune::testing {

absl::StatusOr<nlohmann::json> AwaitJsonFile(const std::string& path,
                                             ChildProcess* child,
                                             absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(path);
    if (in) {
      nlohmann::json parsed = nlohmann::json::parse(in, nullptr, false);
      if (!parsed.is_discarded()) return parsed;
    }
    if (!Running(*child)) {
      return absl::InternalError(
          absl::StrCat("exited before writing ", path, ":\n", child->log()));
    }
    absl::SleepFor(absl::Milliseconds(50));  // Polling interval.
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no ", path, " within ", absl::FormatDuration(timeout), ":\n", child->log()));
}

absl::StatusOr<HarnessJob> StartHarness(const std::string& run_script,
                                        const std::string& harness_dir,
                                        const std::string& work_dir,
                                        std::vector<std::string> flags) {
  const std::string port_file = work_dir + "/harness.json";
  // The MiniCluster's working folders go inside work_dir, which the tests
  // remove, rather than into /tmp, where Flink leaves them.
  std::vector<std::string> argv = {
      run_script, harness_dir, absl::StrCat("--tmp-dir=", work_dir, "/tmp"),
      absl::StrCat("--port-file=", port_file), "--exit-with-stdin"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  HarnessJob job;
  STREAMTUNE_ASSIGN_OR_RETURN(
      job.process,
      ChildProcess::Start(argv, work_dir + "/harness.log", /*stdin_pipe=*/true));
  // A cold JVM plus a MiniCluster takes 5-15 s on 2 busy cores.
  STREAMTUNE_ASSIGN_OR_RETURN(
      nlohmann::json ports,
      AwaitJsonFile(port_file, job.process.get(), absl::Seconds(120)));
  job.rest_url = absl::StrCat("http://127.0.0.1:", ports.at("rest_port").get<int>());
  job.job_id = ports.at("job_id").get<std::string>();
  return job;
}

absl::StatusOr<AgentProcess> StartAgent(const std::string& binary,
                                        const std::string& work_dir,
                                        const std::string& name,
                                        std::vector<std::string> flags) {
  const std::string port_file = absl::StrCat(work_dir, "/", name, ".json");
  std::vector<std::string> argv = {binary, "--metrics_listen=127.0.0.1:0",
                                   absl::StrCat("--port_file=", port_file)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  AgentProcess agent;
  STREAMTUNE_ASSIGN_OR_RETURN(
      agent.process,
      ChildProcess::Start(argv, absl::StrCat(work_dir, "/", name, ".log")));
  STREAMTUNE_ASSIGN_OR_RETURN(
      nlohmann::json ports,
      AwaitJsonFile(port_file, agent.process.get(), absl::Seconds(30)));
  agent.metrics_url = absl::StrCat(
      "http://127.0.0.1:", ports.at("metrics_port").get<int>(), "/metrics");
  return agent;
}

double MetricValue(const std::string& text, const std::string& family,
                   const std::map<std::string, std::string>& labels) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, family) || line.size() <= family.size()) continue;
    const char next = line[family.size()];
    if (next != '{' && next != ' ') continue;
    bool match = true;
    for (const auto& [key, value] : labels) {
      match = match && absl::StrContains(line, absl::StrCat(key, "=\"", value, "\""));
    }
    double value = 0;
    const size_t space = line.rfind(' ');
    if (match && absl::SimpleAtod(line.substr(space + 1), &value)) total += value;
  }
  return total;
}

absl::StatusOr<std::string> HttpGetText(flink::HttpClient& http,
                                        const std::string& url) {
  STREAMTUNE_ASSIGN_OR_RETURN(flink::HttpResponse response, http.Get(url));
  if (response.status != 200) {
    return absl::UnavailableError(
        absl::StrCat("GET ", url, ": HTTP ", response.status));
  }
  return response.body;
}

absl::StatusOr<std::map<std::string, double>> BackpressureOverWindow(
    flink::HttpClient& http, flink::FlinkRestClient& rest, const std::string& job_id,
    absl::Duration window) {
  auto read =
      [&](const flink::FlinkJob& job) -> absl::StatusOr<std::map<std::string, double>> {
    std::map<std::string, double> totals;
    for (const auto& v : job.vertices) {
      STREAMTUNE_ASSIGN_OR_RETURN(
          std::string body,
          HttpGetText(
              http, absl::StrCat(rest.base_url(), "/jobs/", job_id, "/vertices/", v.id,
                                 "/subtasks/metrics?get=accumulateBackPressuredTimeMs"
                                 "&agg=sum")));
      STREAMTUNE_ASSIGN_OR_RETURN(flink::AggregatedMetrics metrics,
                                  flink::ParseAggregatedMetrics(body));
      auto it = metrics.find("accumulateBackPressuredTimeMs");
      if (it == metrics.end() || !it->second.sum.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("no accumulateBackPressuredTimeMs for ", v.name));
      }
      totals[v.id] = *it->second.sum;
    }
    return totals;
  };
  STREAMTUNE_ASSIGN_OR_RETURN(flink::FlinkJob before_job, rest.GetJob(job_id));
  STREAMTUNE_ASSIGN_OR_RETURN(auto before, read(before_job));
  absl::SleepFor(window);  // The measurement window itself, not a synchronisation.
  STREAMTUNE_ASSIGN_OR_RETURN(flink::FlinkJob after_job, rest.GetJob(job_id));
  if (after_job.running_since_ms != before_job.running_since_ms) {
    return absl::AbortedError("the job restarted during the measurement");
  }
  STREAMTUNE_ASSIGN_OR_RETURN(auto after, read(after_job));
  const double seconds = (after_job.now_ms - before_job.now_ms) / 1000.0;
  std::map<std::string, double> out;
  for (const auto& v : after_job.vertices) {
    out[v.name] = (after[v.id] - before[v.id]) / (seconds * v.parallelism);
  }
  return out;
}

MisbehavingServer::MisbehavingServer(Mode mode) : mode_(mode) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 16);
  socklen_t length = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

MisbehavingServer::~MisbehavingServer() {
  stop_ = true;
  thread_.join();
  for (int fd : held_) close(fd);
  close(listen_fd_);
}

std::vector<std::string> MisbehavingServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void MisbehavingServer::Serve() {
  while (!stop_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (poll(&waiting, 1, 50) <= 0) continue;  // Wakes to notice stop_.
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    char buffer[4096];
    pollfd readable{fd, POLLIN, 0};
    const ssize_t n =
        poll(&readable, 1, 1000) > 0 ? read(fd, buffer, sizeof(buffer)) : 0;
    const std::string request(buffer, n > 0 ? n : 0);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request.substr(0, request.find("\r\n")));
    }
    if (mode_ == Mode::kSilent) {
      held_.push_back(fd);
      continue;
    }
    const std::string body = "{\"jobs\": [oops";
    const std::string response = absl::StrCat(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ",
        body.size(), "\r\nConnection: close\r\n\r\n", body);
    (void)write(fd, response.data(), response.size());
    close(fd);
  }
}

}  // namespace streamtune::testing
