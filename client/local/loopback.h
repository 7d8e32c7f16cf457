// Loopback networking for tests and benchmarks that start servers here: a
// free port for programs that cannot report the port they bound, a
// connection check, and a minimal HTTP/1.0 GET (Prometheus' API, /metrics).
// Everything talks to 127.0.0.1 only. Thread-safe: free functions.
#ifndef STREAMTUNE_CLIENT_LOCAL_LOOPBACK_H_
#define STREAMTUNE_CLIENT_LOCAL_LOOPBACK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/local/child_process.h"

namespace streamtune::local {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for
// port 0). Another process may take it before the caller binds it: callers
// retry with a new port when the bind fails.
absl::StatusOr<int> PickFreeLoopbackPort();

// True when something accepts TCP connections on 127.0.0.1:`port`.
bool LoopbackAcceptsConnections(int port);

// A server child process and the loopback port it listens on.
struct ListeningChild {
  int port = 0;
  std::unique_ptr<ChildProcess> child;
};

// How to start a program that takes its port on the command line.
struct ListenOptions {
  std::string name;        // For messages, e.g. "nginx".
  std::string log_prefix;  // Attempt N logs to <log_prefix>-N.log.
  // The command line for a port (and attempt, from 1).
  std::function<std::vector<std::string>(int port, int attempt)> argv;
  // True once the server on `port` is ready; polled.
  std::function<bool(int port)> ready;
  // What the program logs when the port was taken meanwhile (then another
  // port is tried, five attempts in all).
  std::string bind_error;
  absl::Duration start_timeout = absl::Seconds(30);
};

// Starts the program on a free loopback port and polls until it is ready.
// FAILED_PRECONDITION when the program cannot be run (not installed),
// UNAVAILABLE with its log when it exits or is not ready in time.
absl::StatusOr<ListeningChild> StartOnFreePort(const ListenOptions& options);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:`port``path_and_query`, the whole answer read within
// `timeout`. UNAVAILABLE when nothing answers, DEADLINE_EXCEEDED after the
// timeout, INTERNAL for an answer that is not HTTP.
absl::StatusOr<HttpResponse> HttpGet(int port, absl::string_view path_and_query,
                                     absl::Duration timeout = absl::Seconds(10));

// `text` percent-encoded for a URL query value.
std::string UrlEncode(absl::string_view text);

}  // namespace streamtune::local

#endif  // STREAMTUNE_CLIENT_LOCAL_LOOPBACK_H_
