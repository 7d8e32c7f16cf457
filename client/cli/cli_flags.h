// Command line of streamtunectl: its Abseil flags (defined and read only in
// cli_flags.cc) and positional arguments turned into an Invocation, kept
// apart from main() so the accepted syntax and its usage errors are unit
// tested (absl::FlagSaver + absl::SetFlag). Reads process-wide flags: call
// from one thread.
#ifndef STREAMTUNE_CLIENT_CLI_CLI_FLAGS_H_
#define STREAMTUNE_CLIENT_CLI_CLI_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace streamtune {
namespace cli {

// Flags that apply to every command. Like every flag, they may appear before
// or after the command.
struct GlobalFlags {
  std::string server;                          // --server, required
  std::string tenant;                          // --tenant, "" = server's
  absl::Duration timeout = absl::Seconds(10);  // --timeout, per call
};

// One command and its arguments; fields a command does not use keep their
// defaults.
struct CommandArgs {
  std::string name;           // "health", "recommend", ...
  std::string snapshot_path;  // recommend, report: --snapshot
  std::string policy;         // recommend: --policy
  int32_t page_size = 0;   // jobs, history, recommendations: --page_size (0 = server's)
  std::string page_token;  // jobs, recommendations: --page_token
  bool all_pages = false;  // jobs, recommendations: --all
  // jobs, recommendations: --start_time / --end_time (unset: unbounded).
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  std::string job_id;                          // job, history, recommendations: JOB
  std::string model_id;                        // model: ID
  int64_t version = 0;                         // model: --version (0 = newest)
  int64_t seed = 0;                            // pretrain: --seed
  int64_t max_training_steps = 0;              // pretrain: --max_training_steps
  bool async = false;                          // pretrain: --async
  std::string operation_name;                  // operation, cancel: NAME
  absl::Duration wait = absl::ZeroDuration();  // health: --wait
  // token-create, tokens, token-revoke: --database_url (or the environment)
  std::string database_url;
  std::string role = "tenant";  // token-create: --role
  std::string description;      // token-create: --description
  std::string token_id;         // token-revoke: TOKEN_ID
  // quota-set: the limits given (unset: the server's flag applies).
  std::optional<double> calls_per_second;
  std::optional<double> burst;
  std::optional<int64_t> stored_bytes;
};

struct Invocation {
  GlobalFlags global;
  CommandArgs command;
  // `help [COMMAND]`: print the usage of `command.name` (or the general
  // usage when it is empty) and run nothing.
  bool help = false;
};

// Reads the flags and `positional` (COMMAND and its arguments) into `*out`.
// On failure returns INVALID_ARGUMENT with a one-line message, prefixed by
// the command name once it is known ("recommend: missing --snapshot
// FILE.json"), and `*out` keeps the command name (so the caller can show
// the right usage). A command-specific flag given to a command that does not
// use it (its value differs from the default) is an error naming it.
absl::Status InvocationFromFlags(const std::vector<std::string>& positional,
                                 Invocation* out);

// True for the names of streamtunectl's commands ("help" excluded).
bool IsCommand(absl::string_view name);

// True for the token administration commands (token-create, tokens,
// token-revoke) and the quota ones (quota-set, quotas, quota-clear).
bool IsTokenCommand(absl::string_view name);
bool IsQuotaCommand(absl::string_view name);
// Either: they work on PostgreSQL directly instead of calling a server.
bool IsDatabaseCommand(absl::string_view name);

// The full usage text: synopsis, global flags, commands.
std::string GeneralUsage();

// "usage: streamtunectl [GLOBAL FLAGS] recommend --snapshot ..." plus the
// command's description; GeneralUsage() when `command` is not a command.
std::string CommandUsage(absl::string_view command);

}  // namespace cli
}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CLI_CLI_FLAGS_H_
