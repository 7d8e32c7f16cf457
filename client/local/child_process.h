// ChildProcess: one program run as a child of this process (a server, nginx,
// Prometheus) with its stdout and stderr in a log file: started with
// fork/exec, polled without blocking, stopped with a signal and a deadline,
// killed if still running when destroyed. Plus small file helpers.
#ifndef STREAMTUNE_CLIENT_LOCAL_CHILD_PROCESS_H_
#define STREAMTUNE_CLIENT_LOCAL_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace streamtune::local {

// Not thread-safe.
class ChildProcess {
 public:
  // Runs argv[0] (a path, or a name looked up in PATH) with `argv`, stdout
  // and stderr appended to `log_path`. INTERNAL when fork fails; a program
  // that cannot be executed exits with status 127 (see ExitStatus).
  // The child gets SIGTERM when the process that started it dies, even by
  // SIGKILL (PR_SET_PDEATHSIG; its own children do not). With `stdin_pipe`,
  // the child's standard input is a pipe this object holds open until it is
  // destroyed: a child watching its stdin (the Flink test harness) exits
  // when it closes.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      bool stdin_pipe = false);
  ~ChildProcess();  // SIGKILL and reap when still running.

  pid_t pid() const { return pid_; }
  // The exit status once the child has exited (128 + N when killed by
  // signal N), nullopt while it runs. Never blocks.
  std::optional<int> ExitStatus();
  // Sends `signal` and waits up to `timeout` for the exit. Returns the exit
  // status; DEADLINE_EXCEEDED if it still runs; its status if it had
  // already exited.
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  // The log file's content so far.
  std::string log() const;

  // Runs `argv` to completion within `timeout`: OK on exit status 0, else
  // INTERNAL with the status and the output.
  static absl::Status Run(const std::vector<std::string>& argv,
                          const std::string& log_path, absl::Duration timeout);

 private:
  ChildProcess(pid_t pid, int stdin_fd, std::string log_path)
      : pid_(pid), stdin_fd_(stdin_fd), log_path_(std::move(log_path)) {}
  pid_t pid_;
  int stdin_fd_;  // Write end of the stdin pipe, -1 without one.
  std::string log_path_;
  std::optional<int> exit_status_;
};

// The whole content of a file, "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// A fresh directory <$TMPDIR or /tmp>/<prefix>-XXXXXX, readable by every
// user (servers started as root may drop privileges).
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix);
// Removes `path` and everything below it; errors are ignored.
void RemoveTree(const std::string& path);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_CHILD_PROCESS_H_
