#include "client/connection_flags.h"

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "common/files.h"
#include "common/status_macros.h"

ABSL_FLAG(std::string, token_file, "",
          "file holding the API token (st_...); default: $STREAMTUNE_TOKEN");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA certificate(s) of the server; empty connects in plaintext");
ABSL_FLAG(std::string, tls_server_name, "",
          "name to verify in the server's certificate (default: the target's host)");
ABSL_FLAG(std::string, tls_client_cert_file, "",
          "PEM client certificate, for servers requiring mutual TLS");
ABSL_FLAG(std::string, tls_client_key_file, "", "PEM key of --tls_client_cert_file");

namespace streamtune {

absl::Status ApplyConnectionFlags(ClientOptions* options) {
  const std::string token_file = absl::GetFlag(FLAGS_token_file);
  if (!token_file.empty()) {
    STREAMTUNE_ASSIGN_OR_RETURN(std::string token,
                                ReadWholeFile("--token_file", token_file));
    options->token = std::string(absl::StripAsciiWhitespace(token));
  } else if (const char* env = std::getenv("STREAMTUNE_TOKEN"); env != nullptr) {
    options->token = std::string(absl::StripAsciiWhitespace(env));
  }
  options->tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  options->tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  options->tls_client_cert_file = absl::GetFlag(FLAGS_tls_client_cert_file);
  options->tls_client_key_file = absl::GetFlag(FLAGS_tls_client_key_file);
  return absl::OkStatus();
}

}  // namespace streamtune
