#include "client/local/nginx_process.h"

#include "absl/strings/str_cat.h"
#include "client/local/loopback.h"
#include "common/status_macros.h"

namespace streamtune::local {

absl::StatusOr<std::unique_ptr<NginxProcess>> NginxProcess::Start(
    const NginxOptions& options) {
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string dir, MakeTempDir("streamtune-nginx"));
  const std::string run_dir = dir + "/run";
  const std::string config = dir + "/nginx.conf";
  ListenOptions listen;
  listen.name = options.binary;
  listen.log_prefix = dir + "/nginx";
  listen.bind_error = "Address already in use";
  listen.start_timeout = options.start_timeout;
  absl::Status rendered;
  listen.argv = [&](int port, int attempt) -> std::vector<std::string> {
    std::vector<std::string> render = {"sh", options.deploy_dir + "/nginx/render.sh",
                                       config, absl::StrCat("127.0.0.1:", port),
                                       run_dir};
    render.insert(render.end(), options.backends.begin(), options.backends.end());
    rendered.Update(ChildProcess::Run(render, dir + "/render.log", absl::Seconds(10)));
    return {options.binary, "-p", run_dir, "-e", "stderr", "-c", config};
  };
  listen.ready = &LoopbackAcceptsConnections;
  absl::StatusOr<ListeningChild> started = StartOnFreePort(listen);
  STREAMTUNE_RETURN_IF_ERROR(rendered);
  if (!started.ok()) return started.status();
  return std::unique_ptr<NginxProcess>(
      new NginxProcess(dir, started->port, std::move(started->child)));
}

NginxProcess::~NginxProcess() {
  child_.reset();  // Kills nginx first: it writes into the directory.
  RemoveTree(dir_);
}

std::string NginxProcess::target() const { return absl::StrCat("127.0.0.1:", port_); }

}  // namespace streamtune::local
