#include "bench/micro/service_stack.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "client/local/local_service.h"
#include "server/core/auth/api_token.h"
#include "storage/postgres_store.h"

namespace streamtune::bench {

absl::Status StartServiceStack(const ServiceStackOptions& options,
                               ServiceStack* stack) {
  std::string dir = absl::StrCat("/tmp/streamtune-", options.name, "-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  auto postgres =
      local::PrivatePostgres::Start(absl::StrCat(options.source_dir, "/deploy"), dir);
  if (!postgres.ok()) return postgres.status();
  stack->postgres = *std::move(postgres);
  const std::string deploy_dir = absl::StrCat(options.source_dir, "/deploy");
  auto tls = local::MakeThrowawayTls(deploy_dir);
  if (!tls.ok()) return tls.status();
  stack->tls = *std::move(tls);
  local::ServerProcessOptions server;
  server.binary = local::ServerBinaryOr(options.server_binary);
  // deploy/pg/start.sh's URL names the ordinary role that owns the database.
  server.database_url = stack->postgres->url();
  server.insecure_local_only = false;
  server.extra_args = stack->tls.ServerFlags();
  server.extra_args.insert(server.extra_args.end(), options.server_args.begin(),
                           options.server_args.end());
  auto process = local::ServerProcess::Start(server);
  if (!process.ok()) return process.status();
  stack->server = *std::move(process);

  // An admin's token (the benchmarks pre-train), issued as streamtunectl
  // token-create does, once the server has migrated the schema.
  PostgresStoreOptions store_options;
  store_options.database_url = stack->postgres->url();
  store_options.pool_size = 1;
  auto store = PostgresStore::Create(store_options);
  if (!store.ok()) return store.status();
  auto issued =
      IssueAndStoreToken(**store, options.tenant, Role::kAdmin, "service benchmark");
  if (!issued.ok()) return issued.status();
  ClientOptions client_options;
  client_options.target = stack->server->target();
  client_options.tenant = options.tenant;
  client_options.token = issued->text;
  client_options.tls_ca_file = stack->tls.ca_file;
  client_options.call_timeout = absl::Minutes(10);
  auto client = StreamTuneClient::Create(client_options);
  if (!client.ok()) return client.status();
  stack->client = *std::move(client);
  if (auto up = stack->client->WaitUntilServing(absl::Seconds(60)); !up.ok()) return up;
  if (!options.plaintext_twin) return absl::OkStatus();

  server.insecure_local_only = true;
  server.extra_args = options.server_args;
  auto twin = local::ServerProcess::Start(server);
  if (!twin.ok()) return twin.status();
  stack->plaintext_server = *std::move(twin);
  ClientOptions plaintext_options;
  plaintext_options.target = stack->plaintext_server->target();
  plaintext_options.tenant = options.tenant;
  plaintext_options.call_timeout = absl::Minutes(10);
  auto plaintext = StreamTuneClient::Create(plaintext_options);
  if (!plaintext.ok()) return plaintext.status();
  stack->plaintext_client = *std::move(plaintext);
  return stack->plaintext_client->WaitUntilServing(absl::Seconds(60));
}

}  // namespace streamtune::bench
