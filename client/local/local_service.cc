#include "client/local/local_service.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/core/auth/api_token.h"
#include "storage/postgres_store.h"

namespace streamtune::local {

std::string ServerBinaryOr(const std::string& built_in) {
  const char* env = std::getenv("STREAMTUNE_SERVER_BINARY");
  return env != nullptr ? env : built_in;
}

absl::StatusOr<std::unique_ptr<LocalService>> LocalService::Start(
    const LocalServiceOptions& options) {
  auto service = std::unique_ptr<LocalService>(new LocalService());
  service->options_ = options;
  if (!options.server.empty()) return service;
  std::fprintf(stderr, "%s: starting a private PostgreSQL in %s\n",
               options.log_prefix.c_str(), options.state_dir.c_str());
  STREAMTUNE_ASSIGN_OR_RETURN(
      service->postgres_,
      PrivatePostgres::Start(options.deploy_dir, options.state_dir + "/postgres"));
  STREAMTUNE_ASSIGN_OR_RETURN(service->tls_, MakeThrowawayTls(options.deploy_dir));
  ServerProcessOptions server_options;
  server_options.binary = options.server_binary;
  server_options.database_url = service->postgres_->url();
  server_options.insecure_local_only = false;
  server_options.extra_args = service->tls_.ServerFlags();
  server_options.extra_args.insert(server_options.extra_args.end(),
                                   options.server_args.begin(),
                                   options.server_args.end());
  STREAMTUNE_ASSIGN_OR_RETURN(service->server_, ServerProcess::Start(server_options));
  // Tokens are issued on PostgreSQL directly, as `streamtunectl token-create`
  // does (the server has migrated the schema by the time it listens).
  PostgresStoreOptions store_options;
  store_options.database_url = service->postgres_->url();
  store_options.pool_size = 1;
  STREAMTUNE_ASSIGN_OR_RETURN(service->tokens_, PostgresStore::Create(store_options));
  std::fprintf(stderr, "%s: streamtuned on %s (TLS, throwaway certificates in %s)\n",
               options.log_prefix.c_str(), service->server_->target().c_str(),
               service->tls_.dir.c_str());
  return service;
}

LocalService::~LocalService() {
  for (const std::string& token_id : issued_token_ids_) {
    absl::Status revoked = tokens_->RevokeToken(token_id).status();
    if (!revoked.ok()) {
      std::fprintf(stderr, "%s: could not revoke token %s: %s\n",
                   options_.log_prefix.c_str(), token_id.c_str(),
                   revoked.ToString().c_str());
    }
  }
  // The running server has read its certificate and key already.
  if (!tls_.dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tls_.dir, ignored);
  }
}

absl::StatusOr<ClientOptions> LocalService::ClientFor(const std::string& tenant,
                                                      Role role) {
  if (server_ == nullptr) {
    ClientOptions client = options_.server_connection;
    client.target = options_.server;
    client.tenant = tenant;
    return client;
  }
  STREAMTUNE_ASSIGN_OR_RETURN(
      IssuedToken issued,
      IssueAndStoreToken(*tokens_, tenant, role,
                         absl::StrCat(options_.log_prefix, " private stack")));
  issued_token_ids_.push_back(issued.record.token_id);
  ClientOptions client;
  client.target = server_->target();
  client.tenant = tenant;
  client.token = issued.text;
  client.tls_ca_file = tls_.ca_file;
  return client;
}

std::string LocalService::ServerLog() const {
  return server_ == nullptr ? std::string() : server_->log();
}

}  // namespace streamtune::local
