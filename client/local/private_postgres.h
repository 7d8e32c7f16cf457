// PrivatePostgres: a private PostgreSQL for the benchmark, the demo and the
// fault test, started and stopped through deploy/pg/{start,stop,url}.sh
// (which run the server as an unprivileged user on loopback, with data under
// `dir`, durable: fsync and synchronous commits on).
#ifndef STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_
#define STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
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

  // Stops the server the way a crash would (`deploy/pg/stop.sh --immediate`:
  // no checkpoint, every session cut). INTERNAL with the script's output
  // when it fails.
  absl::Status Crash();
  // Starts it again after Crash (PostgreSQL runs crash recovery) on the same
  // port, so clients keep their URL. FAILED_PRECONDITION when the port was
  // taken meanwhile and the server came back elsewhere.
  absl::Status Restart();
  // Deletes the server's files when it is stopped (`stop.sh --remove`): for
  // a test's throwaway database, which would otherwise stay behind (in
  // /var/tmp when the `postgres` user cannot reach `dir`).
  void RemoveWhenStopped() { remove_when_stopped_ = true; }

 private:
  PrivatePostgres(std::string deploy_dir, std::string dir, std::string url)
      : deploy_dir_(std::move(deploy_dir)),
        dir_(std::move(dir)),
        url_(std::move(url)) {}
  std::string deploy_dir_;
  std::string dir_;
  std::string url_;
  bool remove_when_stopped_ = false;
};

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_PRIVATE_POSTGRES_H_
