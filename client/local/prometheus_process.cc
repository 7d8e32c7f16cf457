#include "client/local/prometheus_process.h"

#include "absl/strings/str_cat.h"
#include "client/local/loopback.h"
#include "common/status_macros.h"

namespace streamtune::local {

absl::StatusOr<std::unique_ptr<PrometheusProcess>> PrometheusProcess::Start(
    const PrometheusOptions& options) {
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string dir,
                              MakeTempDir("streamtune-prometheus"));
  const std::string config = dir + "/prometheus.yml";
  std::vector<std::string> render = {"sh", options.deploy_dir + "/prometheus/render.sh",
                                     config, options.scrape_interval};
  render.insert(render.end(), options.targets.begin(), options.targets.end());
  STREAMTUNE_RETURN_IF_ERROR(
      ChildProcess::Run(render, dir + "/render.log", absl::Seconds(10)));
  ListenOptions listen;
  listen.name = options.binary;
  listen.log_prefix = dir + "/prometheus";
  listen.bind_error = "address already in use";
  listen.start_timeout = options.start_timeout;
  listen.argv = [&](int port, int attempt) -> std::vector<std::string> {
    return {options.binary, absl::StrCat("--config.file=", config),
            absl::StrCat("--storage.tsdb.path=", dir, "/data-", attempt),
            absl::StrCat("--web.listen-address=127.0.0.1:", port), "--log.level=warn"};
  };
  listen.ready = [](int port) {
    absl::StatusOr<HttpResponse> ready = HttpGet(port, "/-/ready", absl::Seconds(2));
    return ready.ok() && ready->status == 200;
  };
  STREAMTUNE_ASSIGN_OR_RETURN(ListeningChild started, StartOnFreePort(listen));
  return std::unique_ptr<PrometheusProcess>(
      new PrometheusProcess(dir, started.port, std::move(started.child)));
}

PrometheusProcess::~PrometheusProcess() {
  child_.reset();  // Kills Prometheus first: it writes into the directory.
  RemoveTree(dir_);
}

absl::StatusOr<nlohmann::json> PrometheusProcess::Query(
    const std::string& expression) const {
  STREAMTUNE_ASSIGN_OR_RETURN(
      HttpResponse response,
      HttpGet(port_, absl::StrCat("/api/v1/query?query=", UrlEncode(expression))));
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200 || answer.is_discarded() ||
      answer.value("status", "") != "success") {
    return absl::InternalError(absl::StrCat("query ", expression, ": HTTP ",
                                            response.status, ": ", response.body));
  }
  return answer.at("data").at("result");
}

}  // namespace streamtune::local
