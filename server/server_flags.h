// streamtuned's command line: the flags (defined in server_flags.cc, and
// only there) turned into ServerMainOptions, and their checks, including
// the security rules: TLS and tokens unless --insecure_local_only, which
// binds loopback addresses only.
#ifndef STREAMTUNE_SERVER_SERVER_FLAGS_H_
#define STREAMTUNE_SERVER_SERVER_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/core/quota/tenant_rate_limiter.h"
#include "server/service/grpc_server.h"

namespace streamtune {

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
  // Plaintext, no credentials, every caller an admin of the tenant its
  // header names; loopback addresses only. Otherwise TLS and tokens.
  bool insecure_local_only = false;
  // How long a token read from the store is trusted (revocation delay).
  absl::Duration token_cache_ttl = absl::Seconds(5);
  // Per-tenant quotas (docs/operations.md, "Quotas"); 0: unlimited.
  RateLimit call_quota;
  int64_t quota_stored_bytes = 0;
  // How often the per-tenant overrides (tenant_quotas) are reloaded.
  absl::Duration quota_refresh_interval = absl::Seconds(10);
};

// The flags as options (call after ParseFlags).
ServerMainOptions OptionsFromFlags();

// INVALID_ARGUMENT naming the flag, e.g. "--listen: 0.0.0.0:50051 is not a
// loopback address (--insecure_local_only serves loopback only)".
absl::Status CheckOptions(const ServerMainOptions& options);

// True for 127.0.0.0/8, ::1 and localhost ("host:port" or "[v6]:port").
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVER_FLAGS_H_
