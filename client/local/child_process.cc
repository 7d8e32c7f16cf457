#include "client/local/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace streamtune::local {
namespace {

int DecodeWaitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path,
    bool stdin_pipe) {
  if (argv.empty()) return absl::InvalidArgumentError("argv: empty");
  std::vector<std::string> args = argv;  // execvp wants non-const strings
  int pipe_fds[2] = {-1, -1};
  if (stdin_pipe && pipe(pipe_fds) != 0) return absl::InternalError("pipe failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Ends with the process that started it: a benchmark or test killed
    // before its destructors ran left its streamtuned running, busy with
    // background work beside the next runs. (The signal follows the
    // starting thread; every caller starts children from a thread that
    // outlives them.)
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // The parent is already gone.
    // A process group of its own, so that the destructor's SIGKILL reaches
    // the child's own children too (nginx's workers would otherwise outlive
    // a killed master, still holding its port).
    setpgid(0, 0);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    if (stdin_pipe) {
      dup2(pipe_fds[0], STDIN_FILENO);
      close(pipe_fds[1]);
    }
    std::vector<char*> raw;
    for (auto& a : args) raw.push_back(a.data());
    raw.push_back(nullptr);
    execvp(raw[0], raw.data());
    _exit(127);
  }
  if (stdin_pipe) close(pipe_fds[0]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[1], log_path));
}

ChildProcess::~ChildProcess() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (!exit_status_.has_value()) {
    kill(-pid_, SIGKILL);  // the child's process group (see Start)
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::optional<int> ChildProcess::ExitStatus() {
  if (exit_status_.has_value()) return exit_status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = DecodeWaitStatus(status);
  return exit_status_;
}

absl::StatusOr<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (ExitStatus().has_value()) return *exit_status_;
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ExitStatus().has_value()) return *exit_status_;
    absl::SleepFor(
        absl::Milliseconds(10));  // Polling interval, not a wait for an event.
  }
  return absl::DeadlineExceededError(absl::StrCat("process ", pid_, " still running ",
                                                  absl::FormatDuration(timeout),
                                                  " after signal ", signal));
}

std::string ChildProcess::log() const { return ReadFileOrEmpty(log_path_); }

absl::Status ChildProcess::Run(const std::vector<std::string>& argv,
                               const std::string& log_path, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = Start(argv, log_path);
  if (!child.ok()) return child.status();
  const absl::Time deadline = absl::Now() + timeout;
  while (!(*child)->ExitStatus().has_value() && absl::Now() < deadline) {
    absl::SleepFor(
        absl::Milliseconds(5));  // Polling interval, not a wait for an event.
  }
  const std::optional<int> status = (*child)->ExitStatus();
  if (status == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      argv[0],
      status.has_value()
          ? absl::StrCat(" exited with status ", *status)
          : absl::StrCat(" did not finish within ", absl::FormatDuration(timeout)),
      ":\n", (*child)->log()));
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  // $TMPDIR when set, as mktemp(1) does.
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = absl::StrCat(
      tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(path.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", path));
  }
  chmod(path.c_str(), 0755);
  return path;
}

void RemoveTree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

}  // namespace streamtune::local
