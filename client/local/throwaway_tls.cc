#include "client/local/throwaway_tls.h"

#include "absl/strings/str_cat.h"
#include "client/local/child_process.h"
#include "client/local/shell.h"
#include "common/status_macros.h"

namespace streamtune::local {

std::vector<std::string> ThrowawayTls::ServerFlags() const {
  return {absl::StrCat("--tls_cert_file=", server_cert),
          absl::StrCat("--tls_key_file=", server_key)};
}

absl::StatusOr<ThrowawayTls> MakeThrowawayTls(const std::string& deploy_dir) {
  ThrowawayTls tls;
  STREAMTUNE_ASSIGN_OR_RETURN(tls.dir, MakeTempDir("streamtune-tls"));
  auto [code, output] = RunShellCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir + "/gen-certs.sh"), " ", ShellQuote(tls.dir)));
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("deploy/gen-certs.sh ", tls.dir, " failed:\n", output));
  }
  tls.ca_file = tls.dir + "/ca.pem";
  tls.server_cert = tls.dir + "/server.pem";
  tls.server_key = tls.dir + "/server.key";
  tls.client_cert = tls.dir + "/client.pem";
  tls.client_key = tls.dir + "/client.key";
  return tls;
}

}  // namespace streamtune::local
