// streamtunectl: command-line client of a StreamTune server. The syntax and
// behaviour live in client/cli/ (tested there); this file only wires them to
// the process: argv, the real gRPC client, the PostgreSQL store of the token
// commands, stdout/stderr and the exit status.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "client/cli/cli_flags.h"
#include "client/cli/commands.h"
#include "client/streamtune_client.h"
#include "common/cli_flags.h"
#include "storage/postgres_store.h"

int main(int argc, char** argv) {
  streamtune::InitFlags(streamtune::cli::GeneralUsage(), "client/cli/cli_flags.cc");
  const streamtune::cli::StoreFactory postgres =
      [](const std::string& url) -> absl::StatusOr<std::unique_ptr<streamtune::Store>> {
    streamtune::PostgresStoreOptions options;
    options.database_url = url;
    options.pool_size = 1;
    auto store = streamtune::PostgresStore::Create(options);
    if (!store.ok()) return store.status();
    return std::unique_ptr<streamtune::Store>(std::move(*store));
  };
  return streamtune::cli::RunCli(argc, argv, &streamtune::StreamTuneClient::Create,
                                 std::cout, std::cerr, isatty(STDERR_FILENO) != 0,
                                 postgres);
}
