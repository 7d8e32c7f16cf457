#include "client/local/local_service.h"

#include <cstdio>
#include <cstdlib>

#include "common/status_macros.h"

namespace streamtune::local {

std::string ServerBinaryOr(const std::string& built_in) {
  const char* env = std::getenv("STREAMTUNE_SERVER_BINARY");
  return env != nullptr ? env : built_in;
}

absl::StatusOr<std::unique_ptr<LocalService>> LocalService::Start(
    const LocalServiceOptions& options) {
  auto service = std::unique_ptr<LocalService>(new LocalService());
  if (!options.server.empty()) {
    service->target_ = options.server;
    return service;
  }
  std::fprintf(stderr, "%s: starting a private PostgreSQL in %s\n",
               options.log_prefix.c_str(), options.state_dir.c_str());
  STREAMTUNE_ASSIGN_OR_RETURN(
      service->postgres_,
      PrivatePostgres::Start(options.deploy_dir, options.state_dir + "/postgres"));
  ServerProcessOptions server_options;
  server_options.binary = options.server_binary;
  server_options.database_url = service->postgres_->url();
  server_options.extra_args = options.server_args;
  STREAMTUNE_ASSIGN_OR_RETURN(service->server_, ServerProcess::Start(server_options));
  service->target_ = service->server_->target();
  std::fprintf(stderr, "%s: streamtuned on %s\n", options.log_prefix.c_str(),
               service->target_.c_str());
  return service;
}

std::string LocalService::ServerLog() const {
  return server_ == nullptr ? std::string() : server_->log();
}

}  // namespace streamtune::local
