// streamtunectl: command-line client of a StreamTune server. The syntax and
// behaviour live in client/cli/ (tested there); this file only wires them to
// the process: argv, the real gRPC client, stdout/stderr and the exit status.
#include <unistd.h>

#include <iostream>

#include "client/cli/cli_flags.h"
#include "client/cli/commands.h"
#include "client/streamtune_client.h"
#include "common/cli_flags.h"

int main(int argc, char** argv) {
  streamtune::InitFlags(streamtune::cli::GeneralUsage(), "client/cli/cli_flags.cc");
  return streamtune::cli::RunCli(argc, argv, &streamtune::StreamTuneClient::Create,
                                 std::cout, std::cerr, isatty(STDERR_FILENO) != 0);
}
