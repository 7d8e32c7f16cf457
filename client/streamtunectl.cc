// streamtunectl: command-line client of a StreamTune server. The syntax and
// behaviour live in client/cli/ (tested there); this file only wires them to
// the process: argv, the real gRPC client, stdout/stderr and the exit status.
#include <iostream>
#include <string>
#include <vector>

#include "client/cli/commands.h"
#include "client/streamtune_client.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return streamtune::cli::RunCli(args, &streamtune::StreamTuneClient::Create,
                                 std::cout, std::cerr);
}
