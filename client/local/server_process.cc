#include "client/local/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace streamtune::local {
namespace {

std::string ReadFile(const std::string& path) {  // "" when missing.
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const ServerProcessOptions& options) {
  char dir_template[] = "/tmp/streamtuned-test-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  const std::string dir = dir_template;
  const std::string port_file = dir + "/ports.json";
  const std::string log_file = dir + "/stderr.log";
  std::vector<std::string> args = {
      options.binary, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
      absl::StrCat("--port_file=", port_file),
      absl::StrCat("--database_url=", options.database_url),
      "--database_wait=20s"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto process = std::unique_ptr<ServerProcess>(new ServerProcess(pid, dir));
  const absl::Time deadline = absl::Now() + options.start_timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = -1;
      return absl::InternalError(absl::StrCat(
          "streamtuned exited during start-up with status ", status, ":\n",
          process->log()));
    }
    const std::string ports = ReadFile(port_file);
    if (!ports.empty()) {
      const auto json = nlohmann::json::parse(ports);
      process->grpc_port_ = json.at("grpc_port").get<int>();
      process->metrics_port_ = json.at("metrics_port").get<int>();
      return process;
    }
    absl::SleepFor(absl::Milliseconds(20));  // Polling interval, not a wait for an event.
  }
  return absl::DeadlineExceededError(
      absl::StrCat("streamtuned did not listen within ",
                   absl::FormatDuration(options.start_timeout), ":\n", process->log()));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string ServerProcess::target() const {
  return absl::StrCat("127.0.0.1:", grpc_port_);
}

absl::StatusOr<int> ServerProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("streamtuned still running ", absl::FormatDuration(timeout),
                   " after signal ", signal));
}

std::string ServerProcess::log() const { return ReadFile(dir_ + "/stderr.log"); }

}  // namespace streamtune::local
