// streamtuned: the StreamTune parallelism-tuning service. Flags are parsed
// here, and only here, into ServerMainOptions; everything else takes options
// structs. Start-up: connect to PostgreSQL (retrying for --database_wait) and
// apply migrations, serve gRPC and /metrics, then wait for SIGTERM/SIGINT on
// a sigwait thread and shut down gracefully.
#include <prometheus/exposer.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/cli_flags.h"
#include "common/logging.h"
#include "common/port_file.h"
#include "server/core/learning/fine_tune_worker.h"
#include "server/core/learning/model_repository.h"
#include "server/core/learning/pretraining.h"
#include "server/core/operations/pretrain_operations.h"
#include "server/core/policies/conttune/conttune_policy.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/policies/flink_autoscaler/flink_autoscaler_policy.h"
#include "server/core/policies/streamtune/streamtune_policy.h"
#include "server/core/policy_registry.h"
#include "server/core/tuning_core.h"
#include "server/core/tuning_observer.h"
#include "server/model/torch_trainer.h"
#include "server/service/grpc_server.h"
#include "server/service/server_metrics.h"
#include "storage/postgres_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC address host:port; port 0 picks a free port (see --port_file)");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL URL, e.g. postgresql://user@127.0.0.1:5432/streamtune; "
          "defaults to $STREAMTUNE_DATABASE_URL");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "host:port serving Prometheus /metrics; empty disables it");
ABSL_FLAG(int, worker_threads, 16, "most RPCs served concurrently");
ABSL_FLAG(int, db_pool_size, 8, "PostgreSQL connections kept open");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM/SIGINT, how long in-flight calls may finish before "
          "they are cancelled");
ABSL_FLAG(absl::Duration, database_wait, absl::Seconds(60),
          "how long to keep retrying PostgreSQL at start-up");
ABSL_FLAG(std::string, default_policy, "streamtune",
          "policy used when a request names none");
ABSL_FLAG(double, flink_autoscaler_time_scale, 1,
          "divides every time window of the flink-autoscaler policy (metrics "
          "window, stabilisation, catch-up, restart time, scale-down interval). "
          "Production jobs on real time keep 1 (the Flink Kubernetes Operator's "
          "defaults); set N when the jobs run on a clock N times faster than "
          "real time (a recorded trace replayed at N x speed, the simulated "
          "engine's one-hour benchmark workloads use 12), so the windows keep "
          "their meaning in the job's own time");
ABSL_FLAG(int, history_snapshots, 128,
          "how many of a job's most recent snapshots a policy sees");
ABSL_FLAG(int64_t, history_bytes, int64_t{8} << 20,
          "at most this many bytes of a job's most recent snapshots (their "
          "binary size) are read as a policy's history, newest first, so a job "
          "of large snapshots costs every Recommend and ReportSnapshot a bounded "
          "read and parse (>= 1 MiB)");
ABSL_FLAG(std::string, shared_model_tenant, "",
          "tenant whose pre-trained StreamTune models serve tenants that have "
          "no pre-training run of their own (empty: none)");
ABSL_FLAG(int, model_cache_models, 256,
          "loaded model versions kept in memory (least recently used go first)");
ABSL_FLAG(int, fine_tune_workers, 1,
          "background threads fine-tuning jobs' models from the shared queue "
          "(0: this replica trains none; others' workers do)");
ABSL_FLAG(absl::Duration, operation_lease, absl::Seconds(30),
          "a running pre-training operation whose heartbeat (written every "
          "second) is older than this is failed as abandoned by its replica");
ABSL_FLAG(std::string, port_file, "",
          "if set, write {\"grpc_port\": N, \"metrics_port\": M} here once "
          "listening (lets tests use port 0)");

namespace streamtune {
namespace {

struct ServerMainOptions {
  GrpcServerOptions grpc;
  std::string database_url;
  std::string metrics_listen;
  int db_pool_size = 8;
  absl::Duration shutdown_grace = absl::Seconds(10);
  absl::Duration database_wait = absl::Seconds(60);
  std::string default_policy = "streamtune";
  double flink_autoscaler_time_scale = 1;
  int history_snapshots = 128;
  int64_t history_bytes = int64_t{8} << 20;
  std::string shared_model_tenant;
  int fine_tune_workers = 1;
  int model_cache_models = 256;
  absl::Duration operation_lease = absl::Seconds(30);
  std::string port_file;
};

ServerMainOptions OptionsFromFlags() {
  ServerMainOptions options;
  options.grpc.listen = absl::GetFlag(FLAGS_listen);
  options.grpc.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.database_url = absl::GetFlag(FLAGS_database_url);
  if (options.database_url.empty()) {
    const char* env = std::getenv("STREAMTUNE_DATABASE_URL");
    if (env != nullptr) options.database_url = env;
  }
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.database_wait = absl::GetFlag(FLAGS_database_wait);
  options.default_policy = absl::GetFlag(FLAGS_default_policy);
  options.flink_autoscaler_time_scale =
      absl::GetFlag(FLAGS_flink_autoscaler_time_scale);
  options.history_snapshots = absl::GetFlag(FLAGS_history_snapshots);
  options.history_bytes = absl::GetFlag(FLAGS_history_bytes);
  options.shared_model_tenant = absl::GetFlag(FLAGS_shared_model_tenant);
  options.fine_tune_workers = absl::GetFlag(FLAGS_fine_tune_workers);
  options.model_cache_models = absl::GetFlag(FLAGS_model_cache_models);
  options.operation_lease = absl::GetFlag(FLAGS_operation_lease);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  return options;
}

absl::Status CheckOptions(const ServerMainOptions& options) {
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError(
        "--database_url: required (or set STREAMTUNE_DATABASE_URL)");
  }
  if (options.grpc.worker_threads < 1) {
    return absl::InvalidArgumentError("--worker_threads: must be >= 1");
  }
  if (options.db_pool_size < 1) {
    return absl::InvalidArgumentError("--db_pool_size: must be >= 1");
  }
  if (!(options.flink_autoscaler_time_scale >= 1)) {
    return absl::InvalidArgumentError("--flink_autoscaler_time_scale: must be >= 1");
  }
  if (options.operation_lease < absl::Seconds(5)) {
    return absl::InvalidArgumentError(
        "--operation_lease: must be >= 5s (heartbeats come every second)");
  }
  if (options.history_snapshots < 2) {
    return absl::InvalidArgumentError("--history_snapshots: must be >= 2");
  }
  if (options.history_bytes < (int64_t{1} << 20)) {
    return absl::InvalidArgumentError("--history_bytes: must be >= 1 MiB (1048576)");
  }
  if (options.model_cache_models < 1) {
    return absl::InvalidArgumentError("--model_cache_models: must be >= 1");
  }
  if (options.fine_tune_workers < 0) {
    return absl::InvalidArgumentError("--fine_tune_workers: must be >= 0");
  }
  return absl::OkStatus();
}

// Connects and migrates, retrying with backoff until `wait` has passed.
absl::StatusOr<std::unique_ptr<PostgresStore>> ConnectStore(
    const ServerMainOptions& options, StoreObserver* observer) {
  PostgresStoreOptions store_options;
  store_options.database_url = options.database_url;
  store_options.pool_size = options.db_pool_size;
  store_options.observer = observer;
  const absl::Time deadline = absl::Now() + options.database_wait;
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    auto store = PostgresStore::Create(store_options);
    if (store.ok() || absl::Now() + backoff > deadline) return store;
    LogWarning(absl::StrCat("PostgreSQL not ready (", store.status().message(),
                            "); retrying in ", absl::FormatDuration(backoff)));
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

int Run(const ServerMainOptions& options) {
  // Block the shutdown signals in every thread; one thread takes them with
  // sigwait, so no work happens inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::Status ok = CheckOptions(options); !ok.ok()) {
    std::fprintf(stderr, "streamtuned: %s\n", std::string(ok.message()).c_str());
    return 2;
  }
  // Every Prometheus family; the store and the tuning core report into it.
  ServerMetrics metrics;
  auto store = ConnectStore(options, &metrics.store());
  if (!store.ok()) {
    LogError(absl::StrCat("cannot use PostgreSQL: ", store.status().message()));
    return 1;
  }
  const std::unique_ptr<ModelTrainer> trainer = MakeTorchModelTrainer();
  // Online fine-tuning and inference are timed; pre-training is not (its
  // operation records each phase's duration).
  const ObservedModelTrainer observed_trainer(trainer.get(), &metrics.tuning(),
                                              "fine_tune");
  ModelRepository models(store->get(), &observed_trainer, options.model_cache_models);
  metrics.WatchModelCache(&models);
  metrics.WatchPool([store = store->get()] { return store->pool_stats(); });
  const Pretrainer pretrainer(store->get(), &models, trainer.get());
  PolicyRegistry policies;
  FlinkAutoscalerOptions autoscaler;
  autoscaler.time_scale = options.flink_autoscaler_time_scale;
  (void)policies.Add(std::make_unique<Ds2Policy>());
  (void)policies.Add(std::make_unique<FlinkAutoscalerPolicy>(autoscaler));
  (void)policies.Add(std::make_unique<ContTunePolicy>());
  const StreamTuneOptions streamtune;
  (void)policies.Add(std::make_unique<StreamTunePolicy>(streamtune));
  // The ablation without the forecast (docs/algorithm.md §3.8): the
  // benchmark's measure of what planning buys.
  StreamTuneOptions reactive = streamtune;
  reactive.policy_name = "streamtune-reactive";
  reactive.use_forecast = false;
  (void)policies.Add(std::make_unique<StreamTunePolicy>(reactive));
  if (absl::Status ok = policies.SetDefault(options.default_policy); !ok.ok()) {
    LogError(absl::StrCat("--default_policy: ", ok.message()));
    return 2;
  }
  // Fine-tuning runs here, off the request path, on the queue every
  // replica shares (docs/architecture.md, "Fine-tuning off the request path").
  FineTuneWorkerOptions fine_tuning;
  fine_tuning.fine_tune = FineTuneOptionsOf(streamtune);
  fine_tuning.history_snapshots = options.history_snapshots;
  fine_tuning.on_task = [](const FineTuneTask& task, const absl::Status& outcome) {
    if (!outcome.ok()) {
      LogWarning(absl::StrCat("fine-tuning ", task.tenant, "/", task.job_id,
                              " (attempt ", task.attempts, "): ", outcome.message()));
    } else {
      LogInfo(absl::StrCat("fine-tuned ", task.tenant, "/", task.job_id,
                           " through snapshot ", task.through_sequence));
    }
  };
  FineTuneWorker fine_tune_worker(store->get(), &models, &observed_trainer,
                                  fine_tuning);
  fine_tune_worker.Start(options.fine_tune_workers);
  TuningCoreOptions core_options;
  core_options.history_snapshots = options.history_snapshots;
  core_options.history_bytes = options.history_bytes;
  core_options.shared_model_tenant = options.shared_model_tenant;
  core_options.pretrain.progress = [](const std::string& line) { LogInfo(line); };
  core_options.on_fine_tune_queued = [&fine_tune_worker] { fine_tune_worker.Wake(); };
  TuningCore core(store->get(), &policies, core_options, &pretrainer, &models);
  // Pre-training runs on this object's threads, never on a gRPC thread.
  PretrainOperationsOptions operations_options;
  operations_options.lease = options.operation_lease;
  PretrainOperations operations(store->get(), &core, operations_options);
  // Operations left running by a replica that died: failed, not resumed.
  if (absl::StatusOr<int> stale = operations.FailStale(); !stale.ok()) {
    LogWarning(
        absl::StrCat("stale operations not checked: ", stale.status().message()));
  } else if (*stale > 0) {
    LogInfo(absl::StrCat(*stale, " abandoned pre-training operation(s) marked failed"));
  }

  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  if (!options.metrics_listen.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(options.metrics_listen);
    } catch (const std::exception& e) {
      LogError(
          absl::StrCat("--metrics_listen=", options.metrics_listen, ": ", e.what()));
      return 1;
    }
    for (const auto& collectable : metrics.collectables()) {
      exposer->RegisterCollectable(collectable);
    }
    metrics_port = exposer->GetListeningPorts().front();
  }

  auto server = GrpcServer::Start(options.grpc, &core, &metrics.rpc(), &operations);
  if (!server.ok()) {
    LogError(std::string(server.status().message()));
    return 1;
  }
  LogInfo(absl::StrCat("streamtuned listening on port ", (*server)->port(),
                       ", metrics on port ", metrics_port, ", default policy ",
                       options.default_policy));
  if (!options.port_file.empty()) {
    if (absl::Status ok = WritePortFile(
            options.port_file,
            {{"grpc_port", (*server)->port()}, {"metrics_port", metrics_port}});
        !ok.ok()) {
      LogError(std::string(ok.message()));
      return 1;
    }
  }

  std::thread signal_thread([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    LogInfo(absl::StrCat("signal ", signal_number, ": draining for up to ",
                         absl::FormatDuration(options.shutdown_grace)));
    // Both within the grace: running pre-training ends FAILED ("the server
    // shut down") while in-flight calls drain.
    std::thread stop_operations([&] { operations.Shutdown(options.shutdown_grace); });
    (*server)->Shutdown(options.shutdown_grace);
    stop_operations.join();
  });
  (*server)->Wait();
  signal_thread.join();
  fine_tune_worker.Stop();
  LogInfo("streamtuned stopped");
  return 0;
}

}  // namespace
}  // namespace streamtune

int main(int argc, char** argv) {
  streamtune::InitFlags(
      "StreamTune parallelism-tuning service.\n"
      "Usage: streamtuned --database_url=postgresql://... [--listen=HOST:PORT] "
      "[--metrics_listen=HOST:PORT] [--worker_threads=N] [--shutdown_grace=10s]",
      "server/main.cc");
  const absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  const absl::Status valid = positional.ok()
                                 ? streamtune::RequireNoArguments(*positional)
                                 : positional.status();
  if (!valid.ok()) return streamtune::UsageError("streamtuned", valid);
  return streamtune::Run(streamtune::OptionsFromFlags());
}
