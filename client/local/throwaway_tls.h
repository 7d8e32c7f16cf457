// Throwaway TLS material for a private stack (the demo, the benchmark, the
// history tool and tests): deploy/gen-certs.sh run into a fresh temporary
// directory, so the certificates are new at every start and never expire
// under a long-lived state directory.
#ifndef STREAMTUNE_CLIENT_LOCAL_THROWAWAY_TLS_H_
#define STREAMTUNE_CLIENT_LOCAL_THROWAWAY_TLS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace streamtune::local {

struct ThrowawayTls {
  std::string dir;
  std::string ca_file;      // PEM of the CA clients trust.
  std::string server_cert;  // Valid for localhost and 127.0.0.1.
  std::string server_key;
  std::string client_cert;  // For mutual TLS.
  std::string client_key;

  // streamtuned's flags serving TLS with these certificates.
  std::vector<std::string> ServerFlags() const;
};

// Runs `deploy_dir`/gen-certs.sh; INTERNAL with its output when it fails.
absl::StatusOr<ThrowawayTls> MakeThrowawayTls(const std::string& deploy_dir);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_THROWAWAY_TLS_H_
