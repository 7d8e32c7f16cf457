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

#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/cli_flags.h"
#include "common/logging.h"
#include "common/port_file.h"
#include "server/core/auth/authenticator.h"
#include "server/core/learning/fine_tune_worker.h"
#include "server/core/learning/model_repository.h"
#include "server/core/learning/pretraining.h"
#include "server/core/operations/pretrain_operations.h"
#include "server/core/policies/conttune/conttune_policy.h"
#include "server/core/policies/ds2/ds2_policy.h"
#include "server/core/policies/flink_autoscaler/flink_autoscaler_policy.h"
#include "server/core/policies/streamtune/streamtune_policy.h"
#include "server/core/policy_registry.h"
#include "server/core/quota/quota_refresher.h"
#include "server/core/tuning_core.h"
#include "server/core/tuning_observer.h"
#include "server/model/torch_trainer.h"
#include "server/server_flags.h"
#include "server/service/grpc_server.h"
#include "server/service/server_metrics.h"
#include "storage/postgres_store.h"

namespace streamtune {
namespace {

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
  // The flags' quotas, with each tenant's override (streamtunectl
  // quota-set) reloaded in the background.
  TenantQuotas quotas(Quota{options.call_quota, options.quota_stored_bytes});
  QuotaRefresherOptions refresh;
  refresh.interval = options.quota_refresh_interval;
  refresh.on_reload = [last = size_t{0}](const absl::Status& status,
                                         size_t overrides) mutable {
    if (!status.ok()) {
      LogWarning(absl::StrCat("quota overrides not reloaded (the previous ones stay): ",
                              status.message()));
    } else if (overrides != last) {
      LogInfo(absl::StrCat(overrides, " per-tenant quota override(s) in force"));
      last = overrides;
    }
  };
  QuotaRefresher quota_refresher(store->get(), &quotas, refresh);
  quota_refresher.ReloadNow().IgnoreError();  // A failure is logged; flags apply.
  quota_refresher.Start();
  core_options.quotas = &quotas;
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

  AuthenticatorOptions auth_options;
  auth_options.cache_ttl = options.token_cache_ttl;
  Authenticator authenticator(store->get(), auth_options);
  const CallIdentity identity = options.insecure_local_only
                                    ? CallIdentity::InsecureLocalOnly()
                                    : CallIdentity::Tokens(&authenticator);
  if (options.insecure_local_only) {
    LogWarning(
        "INSECURE: --insecure_local_only: plaintext, no credentials, every caller "
        "is an admin of the tenant it names; listening on loopback only");
  }
  TenantRateLimiterOptions rate_limit;
  rate_limit.quotas = &quotas;  // The flags' limit, or the tenant's override.
  TenantRateLimiter rate_limiter(rate_limit);
  auto server = GrpcServer::Start(
      options.grpc, {&core, &metrics.rpc(), &identity, &rate_limiter}, &operations);
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
  quota_refresher.Stop();
  LogInfo("streamtuned stopped");
  return 0;
}

}  // namespace
}  // namespace streamtune

int main(int argc, char** argv) {
  streamtune::InitFlags(
      "StreamTune parallelism-tuning service.\n"
      "Usage: streamtuned --database_url=postgresql://... "
      "(--tls_cert_file=F --tls_key_file=F | --insecure_local_only) "
      "[--listen=HOST:PORT] [--metrics_listen=HOST:PORT] [--shutdown_grace=10s]",
      "server/server_flags.cc");
  const absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  const absl::Status valid = positional.ok()
                                 ? streamtune::RequireNoArguments(*positional)
                                 : positional.status();
  if (!valid.ok()) return streamtune::UsageError("streamtuned", valid);
  return streamtune::Run(streamtune::OptionsFromFlags());
}
