// streamtunectl's commands: what each one asks the server and prints. The
// client comes from a factory so the whole CLI, exit codes included, runs in
// tests against a fake StreamTuneClient. Stateless and thread-compatible.
#ifndef STREAMTUNE_CLIENT_CLI_COMMANDS_H_
#define STREAMTUNE_CLIENT_CLI_COMMANDS_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cli/cli_flags.h"
#include "client/cli/token_admin.h"
#include "client/streamtune_client.h"
#include "common/cli_flags.h"

namespace streamtune {
namespace cli {

// Exit statuses of streamtunectl.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a call or an input file failed
inline constexpr int kExitUsage = streamtune::kExitUsage;  // bad command line

using ClientFactory = std::function<absl::StatusOr<std::unique_ptr<StreamTuneClient>>(
    const ClientOptions&)>;

// The whole CLI: parses argv (ParseFlags, then InvocationFromFlags), creates
// a client with `factory`, runs the command, prints JSON on `out` and
// "streamtunectl: COMMAND: CODE: message" on `err`; returns the exit status.
// `pretrain` shows its progress on `err`, rewriting one line in place when
// `err_is_terminal`. The token commands open a store with `stores` instead
// of creating a client. Sets the process's flags: call from one thread.
int RunCli(int argc, char** argv, const ClientFactory& factory, std::ostream& out,
           std::ostream& err, bool err_is_terminal = false,
           const StoreFactory& stores = nullptr);

// Runs one parsed command against `client`, printing its result on `out`
// (and progress on `err`). Returns the first error; `health` fails with
// UNAVAILABLE when the server answers but is not SERVING (after printing its
// status).
absl::Status RunCommand(const CommandArgs& command, StreamTuneClient& client,
                        std::ostream& out, std::ostream& err,
                        bool err_is_terminal = false);

}  // namespace cli
}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CLI_COMMANDS_H_
