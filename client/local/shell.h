// Running a shell command from the local-stack helpers (the deploy/ scripts).
#ifndef STREAMTUNE_CLIENT_LOCAL_SHELL_H_
#define STREAMTUNE_CLIENT_LOCAL_SHELL_H_

#include <string>
#include <utility>

namespace streamtune::local {

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s);

// Runs `command` through /bin/sh; returns its exit code (-1 when it did not
// exit normally) and its stdout and stderr together.
std::pair<int, std::string> RunShellCommand(const std::string& command);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_SHELL_H_
