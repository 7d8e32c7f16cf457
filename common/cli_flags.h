// The one command-line mechanism of StreamTune's tools: Abseil flags. Each
// binary declares its ABSL_FLAGs in one file and turns them into an options
// struct there (e.g. BenchOptionsFromFlags); main() only calls what is here:
//
//   InitFlags(kUsage, "bench/bench_flags.cc");
//   absl::StatusOr<std::vector<std::string>> positional = ParseFlags(argc, argv);
//   if (!positional.ok()) return UsageError("streamtune-bench", positional.status());
//
// absl::ParseCommandLine exits 1 with its own multi-line text on a bad
// command line; ParseFlags checks the command line first so that a usage
// error is a one-line message naming the flag and exit status 2, like every
// other usage error of the tools. Process-wide state: call from main only.
#ifndef STREAMTUNE_COMMON_CLI_FLAGS_H_
#define STREAMTUNE_COMMON_CLI_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace streamtune {

// Exit status of a bad command line.
inline constexpr int kExitUsage = 2;

// Sets the --help text (once per process) and makes --help list only the
// flags defined in files whose path contains `flags_file`.
void InitFlags(absl::string_view usage, absl::string_view flags_file);

// Checks argv (unknown flag, missing or unparsable value: INVALID_ARGUMENT
// "--name: ..."), then parses it with absl::ParseCommandLine, which sets the
// flags and handles --help (prints the usage and the flags, exits 1: absl's
// behaviour in this version). Returns the positional
// arguments in order, without the program name; "--" ends the flags.
absl::StatusOr<std::vector<std::string>> ParseFlags(int argc, char** argv);

// For a binary with a single command: OK when positional[0] is `command`,
// else INVALID_ARGUMENT "missing command (only "run" exists)" or
// "unknown command "x" (only "run" exists)".
absl::Status RequireCommand(const std::vector<std::string>& positional,
                            absl::string_view command);

// For a binary that takes flags only: INVALID_ARGUMENT
// "unexpected argument "x"" naming the first positional argument.
absl::Status RequireNoArguments(const std::vector<std::string>& positional);

// "PROGRAM: MESSAGE\nrun 'PROGRAM --help' for usage\n".
std::string UsageErrorText(absl::string_view program, const absl::Status& status);

// Prints UsageErrorText on stderr; returns kExitUsage.
int UsageError(absl::string_view program, const absl::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_CLI_FLAGS_H_
