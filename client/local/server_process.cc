#include "client/local/server_process.h"

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace streamtune::local {

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const ServerProcessOptions& options) {
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string dir, MakeTempDir("streamtuned-test"));
  const std::string port_file = dir + "/ports.json";
  std::vector<std::string> args = {
      options.binary,
      "--listen=127.0.0.1:0",
      "--metrics_listen=127.0.0.1:0",
      absl::StrCat("--port_file=", port_file),
      absl::StrCat("--database_url=", options.database_url),
      "--database_wait=20s"};
  if (options.insecure_local_only) args.push_back("--insecure_local_only");
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start(args, dir + "/stderr.log");
  if (!child.ok()) {
    RemoveTree(dir);
    return child.status();
  }
  auto process =
      std::unique_ptr<ServerProcess>(new ServerProcess(dir, *std::move(child)));
  const absl::Time deadline = absl::Now() + options.start_timeout;
  while (absl::Now() < deadline) {
    if (std::optional<int> status = process->child_->ExitStatus()) {
      return absl::InternalError(
          absl::StrCat("streamtuned exited during start-up with status ", *status,
                       ":\n", process->log()));
    }
    const std::string ports = ReadFileOrEmpty(port_file);
    if (!ports.empty()) {
      const auto json = nlohmann::json::parse(ports);
      process->grpc_port_ = json.at("grpc_port").get<int>();
      process->metrics_port_ = json.at("metrics_port").get<int>();
      return process;
    }
    absl::SleepFor(
        absl::Milliseconds(20));  // Polling interval, not a wait for an event.
  }
  return absl::DeadlineExceededError(
      absl::StrCat("streamtuned did not listen within ",
                   absl::FormatDuration(options.start_timeout), ":\n", process->log()));
}

ServerProcess::~ServerProcess() {
  child_.reset();  // Kills the server first: it writes into the directory.
  RemoveTree(dir_);
}

std::string ServerProcess::target() const {
  return absl::StrCat("127.0.0.1:", grpc_port_);
}

absl::StatusOr<int> ServerProcess::Stop(int signal, absl::Duration timeout) {
  if (child_->ExitStatus().has_value())
    return absl::FailedPreconditionError("not running");
  absl::StatusOr<int> status = child_->Stop(signal, timeout);
  if (absl::IsDeadlineExceeded(status.status())) {
    return absl::DeadlineExceededError(absl::StrCat("streamtuned still running ",
                                                    absl::FormatDuration(timeout),
                                                    " after signal ", signal));
  }
  return status;
}

std::string ServerProcess::log() const { return child_->log(); }

int ServerProcess::pid() const { return static_cast<int>(child_->pid()); }

}  // namespace streamtune::local
