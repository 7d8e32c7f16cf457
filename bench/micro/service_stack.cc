#include "bench/micro/service_stack.h"

#include <stdlib.h>

#include <exception>

#include "absl/strings/str_cat.h"
#include "client/local/local_service.h"
#include "pqxx/pqxx"

namespace streamtune::bench {
namespace {

// Creates role `role` (LOGIN, no SUPERUSER, no BYPASSRLS) and a database of
// the same name owned by it, on the server of `admin_url` (a superuser's
// postgresql://user@host:port/db); returns the role's URL of it.
absl::StatusOr<std::string> CreateOwnerDatabase(const std::string& admin_url,
                                                const std::string& role) {
  try {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("CREATE ROLE ", role, " LOGIN NOSUPERUSER NOBYPASSRLS"));
    txn.exec(absl::StrCat("CREATE DATABASE ", role, " OWNER ", role));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("owner database: ", e.what()));
  }
  const size_t at = admin_url.find('@');
  const size_t slash = admin_url.rfind('/');
  if (at == std::string::npos || slash == std::string::npos || slash < at) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected URL ", admin_url));
  }
  return absl::StrCat("postgresql://", role, admin_url.substr(at, slash + 1 - at),
                      role);
}

}  // namespace

absl::Status StartServiceStack(const ServiceStackOptions& options,
                               ServiceStack* stack) {
  std::string dir = absl::StrCat("/tmp/streamtune-", options.role, "-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  auto postgres =
      local::PrivatePostgres::Start(absl::StrCat(options.source_dir, "/deploy"), dir);
  if (!postgres.ok()) return postgres.status();
  stack->postgres = *std::move(postgres);
  auto owner_url = CreateOwnerDatabase(stack->postgres->url(), options.role);
  if (!owner_url.ok()) return owner_url.status();
  local::ServerProcessOptions server;
  server.binary = local::ServerBinaryOr(options.server_binary);
  server.database_url = *owner_url;
  server.extra_args = options.server_args;
  auto process = local::ServerProcess::Start(server);
  if (!process.ok()) return process.status();
  stack->server = *std::move(process);
  ClientOptions client_options;
  client_options.target = stack->server->target();
  client_options.tenant = options.tenant;
  client_options.call_timeout = absl::Minutes(10);
  auto client = StreamTuneClient::Create(client_options);
  if (!client.ok()) return client.status();
  stack->client = *std::move(client);
  return stack->client->WaitUntilServing(absl::Seconds(60));
}

}  // namespace streamtune::bench
