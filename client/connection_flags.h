// The flags every StreamTune client tool shares for reaching a server that
// runs with TLS and tokens (defined in connection_flags.cc, and only there):
//   --token_file=F (or $STREAMTUNE_TOKEN)   API token, "st_..."
//   --tls_ca_file=F                          CA of the server's certificate
//   --tls_server_name=NAME                   name to check in it
//   --tls_client_cert_file, --tls_client_key_file   mutual TLS
#ifndef STREAMTUNE_CLIENT_CONNECTION_FLAGS_H_
#define STREAMTUNE_CLIENT_CONNECTION_FLAGS_H_

#include "absl/status/status.h"
#include "client/streamtune_client.h"

namespace streamtune {

// Copies the flags into `options`; INVALID_ARGUMENT naming the flag when the
// token file cannot be read. Call after ParseFlags.
absl::Status ApplyConnectionFlags(ClientOptions* options);

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CONNECTION_FLAGS_H_
