#include "server/server_flags.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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
ABSL_FLAG(bool, insecure_local_only, false,
          "serve plaintext with no credentials (the tenant is the "
          "x-streamtune-tenant header, every caller is admin); only loopback "
          "addresses may be listened on. Without it, --tls_cert_file and "
          "--tls_key_file are required and every call needs a token");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain of the gRPC port");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "if set, clients must present a certificate signed by a CA in this "
          "PEM file (mutual TLS, in addition to tokens)");
ABSL_FLAG(bool, reflection, false,
          "serve gRPC server reflection (lists the API to anyone who reaches "
          "the port; no data)");
ABSL_FLAG(absl::Duration, token_cache_ttl, absl::Seconds(5),
          "how long a token read from PostgreSQL is trusted: a revoked token "
          "stops working on every replica within this");
ABSL_FLAG(double, quota_calls_per_second, 0,
          "calls per second each tenant may make to this replica (a token "
          "bucket per tenant; every RPC of both services counts); over it a "
          "call is RESOURCE_EXHAUSTED with a grpc-retry-pushback-ms trailer "
          "saying when a token is due. Per replica: with N replicas a "
          "tenant's limit is N x this. 0: unlimited");
ABSL_FLAG(double, quota_burst, 0,
          "calls a tenant may make at once after a quiet spell (the token "
          "bucket's size); 0: one second's worth of --quota_calls_per_second "
          "(at least 1)");
ABSL_FLAG(int64_t, quota_stored_bytes, 0,
          "bytes of snapshots each tenant may store (binary size, counted in "
          "PostgreSQL across all replicas); once reached, Recommend and "
          "ReportSnapshot of a new snapshot are RESOURCE_EXHAUSTED and store "
          "nothing, while retries of stored snapshots still succeed. 0: "
          "unlimited");
ABSL_FLAG(absl::Duration, quota_refresh_interval, absl::Seconds(10),
          "how often the per-tenant quota overrides (streamtunectl quota-set) are "
          "reloaded from PostgreSQL; a change reaches every replica within this");
ABSL_FLAG(std::string, port_file, "",
          "if set, write {\"grpc_port\": N, \"metrics_port\": M} here once "
          "listening (lets tests use port 0)");

namespace streamtune {

namespace {

absl::Status CheckSecurity(const ServerMainOptions& options) {
  if (options.insecure_local_only) {
    if (options.grpc.tls.has_value()) {
      return absl::InvalidArgumentError(
          "--insecure_local_only: cannot be combined with the --tls_* flags");
    }
    for (const auto& [flag, address] :
         {std::pair<const char*, std::string>{"--listen", options.grpc.listen},
          {"--metrics_listen", options.metrics_listen}}) {
      if (!address.empty() && !IsLoopbackAddress(address)) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, ": ", address,
                         " is not a loopback address (--insecure_local_only "
                         "serves 127.0.0.1, [::1] or localhost only)"));
      }
    }
    return absl::OkStatus();
  }
  if (!options.grpc.tls.has_value() || options.grpc.tls->cert_file.empty() ||
      options.grpc.tls->key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file: required (every call then needs "
        "a token; see 'streamtunectl token-create'), or pass "
        "--insecure_local_only for a plaintext server on loopback without "
        "credentials");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLoopbackAddress(const std::string& host_port) {
  absl::string_view host = host_port;
  if (absl::StartsWith(host, "[")) {
    const size_t end = host.find(']');
    return end != absl::string_view::npos && host.substr(1, end - 1) == "::1";
  }
  host = host.substr(0, host.rfind(':'));
  const bool dotted_digits = std::all_of(host.begin(), host.end(), [](char c) {
    return c == '.' || absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  return host == "localhost" || (absl::StartsWith(host, "127.") && dotted_digits);
}

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
  options.insecure_local_only = absl::GetFlag(FLAGS_insecure_local_only);
  options.token_cache_ttl = absl::GetFlag(FLAGS_token_cache_ttl);
  options.call_quota.calls_per_second = absl::GetFlag(FLAGS_quota_calls_per_second);
  options.call_quota.burst = absl::GetFlag(FLAGS_quota_burst);
  if (options.call_quota.burst == 0) {
    options.call_quota.burst = std::max(1.0, options.call_quota.calls_per_second);
  }
  options.quota_stored_bytes = absl::GetFlag(FLAGS_quota_stored_bytes);
  options.quota_refresh_interval = absl::GetFlag(FLAGS_quota_refresh_interval);
  options.grpc.reflection = absl::GetFlag(FLAGS_reflection);
  const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key = absl::GetFlag(FLAGS_tls_key_file);
  const std::string client_ca = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (!cert.empty() || !key.empty() || !client_ca.empty()) {
    options.grpc.tls = TlsFiles{cert, key, client_ca};
  }
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
  if (options.token_cache_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--token_cache_ttl: must be >= 0");
  }
  if (!(options.call_quota.calls_per_second >= 0)) {
    return absl::InvalidArgumentError("--quota_calls_per_second: must be >= 0");
  }
  if (!(options.call_quota.burst >= 0)) {
    return absl::InvalidArgumentError("--quota_burst: must be >= 0");
  }
  if (options.quota_refresh_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--quota_refresh_interval: must be > 0");
  }
  if (options.quota_stored_bytes < 0) {
    return absl::InvalidArgumentError("--quota_stored_bytes: must be >= 0");
  }
  return CheckSecurity(options);
}

}  // namespace streamtune
