// PrivatePostgres: a throwaway PostgreSQL for the benchmark and the demo,
// started and stopped through deploy/pg/{start,stop,url}.sh (which run the
// server as an unprivileged user on loopback, with data under `dir`).
#ifndef STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_
#define STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace streamtune::local {

// Not thread-safe. The destructor stops the server.
class PrivatePostgres {
 public:
  // Runs `deploy_dir`/pg/start.sh `dir` (idempotent: reuses a running
  // server there). INTERNAL with the script's output when it fails.
  static absl::StatusOr<std::unique_ptr<PrivatePostgres>> Start(
      const std::string& deploy_dir, const std::string& dir);
  ~PrivatePostgres();

  const std::string& url() const { return url_; }

 private:
  PrivatePostgres(std::string deploy_dir, std::string dir, std::string url)
      : deploy_dir_(std::move(deploy_dir)),
        dir_(std::move(dir)),
        url_(std::move(url)) {}
  std::string deploy_dir_;
  std::string dir_;
  std::string url_;
};

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_
