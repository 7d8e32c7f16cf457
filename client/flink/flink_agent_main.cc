// streamtune-flink-agent: tunes the parallelism of Flink jobs with
// streamtuned. Reads each job over the JobManager REST API, asks the
// service at every decision point and applies its answer in place (adaptive
// scheduler) unless --dry_run. SIGTERM/SIGINT stop it.
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/connection_flags.h"
#include "client/flink/flink_agent.h"
#include "client/flink/flink_agent_metrics.h"
#include "client/flink/http_client.h"
#include "client/streamtune_client.h"
#include "common/cli_flags.h"
#include "common/logging.h"
#include "common/port_file.h"

ABSL_FLAG(std::string, flink_rest, "http://127.0.0.1:8081",
          "Flink JobManager REST base URL");
ABSL_FLAG(std::string, job, "all", "Flink job id to tune, or \"all\" for every job");
ABSL_FLAG(std::string, server, "", "streamtuned address host:port (required)");
ABSL_FLAG(std::string, tenant, "", "tenant sent to streamtuned (empty: its default)");
ABSL_FLAG(std::string, policy, "", "tuning policy (empty: the service's default)");
ABSL_FLAG(bool, dry_run, false, "recommend, log and export only; never rescale");
ABSL_FLAG(bool, log_snapshots, false, "log every snapshot sent to streamtuned as JSON");
ABSL_FLAG(absl::Duration, decision_interval, absl::Seconds(30),
          "time between decision points (the snapshot window)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(60),
          "no decision until a job has run this long since its last (re)start");
ABSL_FLAG(absl::Duration, rescale_timeout, absl::Seconds(120),
          "how long a rescale may take before it counts as failed");
ABSL_FLAG(absl::Duration, metrics_settle, absl::Seconds(1),
          "wait between asking Flink to refresh its metrics and reading them");
ABSL_FLAG(absl::Duration, http_timeout, absl::Seconds(5),
          "timeout of one Flink REST call");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "deadline of one streamtuned call, retries included");
ABSL_FLAG(int, max_parallelism, 0,
          "cap on any recommended parallelism, e.g. the cluster's slots (0: Flink's "
          "maxParallelism)");
ABSL_FLAG(std::string, job_id_prefix, "flink/",
          "prefix of the job id sent to streamtuned");
ABSL_FLAG(std::string, operator_kinds, "",
          "file of `vertex-name-regex = kind` lines overriding the operator kinds "
          "read from Flink's plan (docs/engines.md)");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9465",
          "Prometheus /metrics address (port 0 picks one; empty disables)");
ABSL_FLAG(std::string, port_file, "",
          "write {\"metrics_port\": N} here once listening");

namespace streamtune::flink {
namespace {

absl::Status CheckFlags() {
  auto positive = [](absl::Duration d, const char* flag) {
    return d > absl::ZeroDuration()
               ? absl::OkStatus()
               : absl::InvalidArgumentError(absl::StrCat("--", flag, " must be > 0"));
  };
  if (absl::GetFlag(FLAGS_server).empty()) {
    return absl::InvalidArgumentError("--server is required (streamtuned host:port)");
  }
  const std::string rest = absl::GetFlag(FLAGS_flink_rest);
  if (!absl::StartsWith(rest, "http://") && !absl::StartsWith(rest, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--flink_rest must be an http:// or https:// URL, got \"", rest, "\""));
  }
  if (absl::GetFlag(FLAGS_job).empty()) {
    return absl::InvalidArgumentError("--job must be a job id or \"all\"");
  }
  if (absl::GetFlag(FLAGS_max_parallelism) < 0) {
    return absl::InvalidArgumentError("--max_parallelism must be >= 0");
  }
  for (auto [d, flag] :
       {std::pair{absl::GetFlag(FLAGS_decision_interval), "decision_interval"},
        std::pair{absl::GetFlag(FLAGS_rescale_timeout), "rescale_timeout"},
        std::pair{absl::GetFlag(FLAGS_http_timeout), "http_timeout"},
        std::pair{absl::GetFlag(FLAGS_call_timeout), "call_timeout"}}) {
    if (absl::Status ok = positive(d, flag); !ok.ok()) return ok;
  }
  if (absl::GetFlag(FLAGS_warmup) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_metrics_settle) < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--warmup and --metrics_settle must be >= 0");
  }
  return absl::OkStatus();
}

int Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::Status ok = CheckFlags(); !ok.ok()) {
    std::fprintf(stderr, "streamtune-flink-agent: %s\n",
                 std::string(ok.message()).c_str());
    return 2;
  }
  FlinkAgentOptions options;
  if (const std::string kinds = absl::GetFlag(FLAGS_operator_kinds); !kinds.empty()) {
    absl::StatusOr<OperatorKindOverrides> overrides =
        OperatorKindOverrides::Load(kinds);
    if (!overrides.ok()) {
      std::fprintf(stderr, "streamtune-flink-agent: --operator_kinds: %s\n",
                   std::string(overrides.status().message()).c_str());
      return 2;
    }
    options.kind_overrides = *std::move(overrides);
  }
  ClientOptions client_options;
  client_options.target = absl::GetFlag(FLAGS_server);
  client_options.tenant = absl::GetFlag(FLAGS_tenant);
  client_options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  if (absl::Status flags = ApplyConnectionFlags(&client_options); !flags.ok()) {
    return UsageError("streamtune-flink-agent", flags);
  }
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> service =
      StreamTuneClient::Create(client_options);
  if (!service.ok()) {
    std::fprintf(stderr, "streamtune-flink-agent: %s\n",
                 std::string(service.status().message()).c_str());
    return 2;
  }

  auto registry = std::make_shared<prometheus::Registry>();
  FlinkAgentMetrics metrics(registry.get());
  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  const std::string listen = absl::GetFlag(FLAGS_metrics_listen);
  if (!listen.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(listen);
    } catch (const std::exception& e) {
      LogError(absl::StrCat("--metrics_listen=", listen, ": ", e.what()));
      return 1;
    }
    exposer->RegisterCollectable(registry);
    metrics_port = exposer->GetListeningPorts().front();
    LogInfo(absl::StrCat("metrics on port ", metrics_port));
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    if (absl::Status written =
            WritePortFile(port_file, {{"metrics_port", metrics_port}});
        !written.ok()) {
      LogError(absl::StrCat("--port_file: ", written.message()));
      return 1;
    }
  }

  options.flink_rest = absl::GetFlag(FLAGS_flink_rest);
  const std::string job = absl::GetFlag(FLAGS_job);
  options.job = job == "all" ? "" : job;
  options.snapshot_job_prefix = absl::GetFlag(FLAGS_job_id_prefix);
  options.policy = absl::GetFlag(FLAGS_policy);
  options.dry_run = absl::GetFlag(FLAGS_dry_run);
  options.log_snapshots = absl::GetFlag(FLAGS_log_snapshots);
  options.decision_interval = absl::GetFlag(FLAGS_decision_interval);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.rescale_timeout = absl::GetFlag(FLAGS_rescale_timeout);
  options.metrics_settle = absl::GetFlag(FLAGS_metrics_settle);
  options.max_parallelism_cap = absl::GetFlag(FLAGS_max_parallelism);
  const std::unique_ptr<HttpClient> http =
      MakeCurlHttpClient(absl::GetFlag(FLAGS_http_timeout));
  FlinkAgent agent(options, http.get(), service->get(), &metrics);

  std::thread signal_thread([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number != 0) {
      LogInfo(absl::StrCat("signal ", signal_number, ": stopping"));
      agent.Stop();
    }
  });
  const absl::Status done = agent.Run();
  // Wake the signal thread if the run ended on its own (single job ended).
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (!done.ok()) {
    LogError(std::string(done.message()));
    return 1;
  }
  LogInfo("streamtune-flink-agent stopped");
  return 0;
}

}  // namespace
}  // namespace streamtune::flink

int main(int argc, char** argv) {
  streamtune::InitFlags(
      "Tunes Flink job parallelism with streamtuned.\n"
      "Usage: streamtune-flink-agent --server=HOST:PORT "
      "[--flink_rest=http://HOST:8081] "
      "[--job=JOBID|all] [--dry_run] [--decision_interval=30s] [--warmup=60s]",
      "client/flink/flink_agent_main.cc");
  const absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  const absl::Status valid = positional.ok()
                                 ? streamtune::RequireNoArguments(*positional)
                                 : positional.status();
  if (!valid.ok()) return streamtune::UsageError("streamtune-flink-agent", valid);
  return streamtune::flink::Run();
}
