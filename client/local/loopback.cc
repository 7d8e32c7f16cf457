#include "client/local/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace streamtune::local {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Closes the descriptor when it goes out of scope.
struct Socket {
  explicit Socket(int fd) : fd(fd) {}
  ~Socket() {
    if (fd >= 0) close(fd);
  }
  int fd;
};

// Waits until `fd` is ready for `events` or `deadline` passes.
bool WaitFor(int fd, short events, absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  if (ms <= 0) return false;
  pollfd entry{fd, events, 0};
  return poll(&entry, 1, static_cast<int>(ms)) == 1;
}

}  // namespace

absl::StatusOr<int> PickFreeLoopbackPort() {
  Socket s(socket(AF_INET, SOCK_STREAM, 0));
  if (s.fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(s.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::InternalError("cannot bind a loopback port");
  }
  return static_cast<int>(ntohs(address.sin_port));
}

bool LoopbackAcceptsConnections(int port) {
  Socket s(socket(AF_INET, SOCK_STREAM, 0));
  const sockaddr_in address = Loopback(port);
  return s.fd >= 0 && connect(s.fd, reinterpret_cast<const sockaddr*>(&address),
                              sizeof(address)) == 0;
}

absl::StatusOr<HttpResponse> HttpGet(int port, absl::string_view path_and_query,
                                     absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  Socket s(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  if (s.fd < 0) return absl::InternalError("socket() failed");
  const sockaddr_in address = Loopback(port);
  if (connect(s.fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) !=
      0) {
    int error = errno;
    if (error == EINPROGRESS && WaitFor(s.fd, POLLOUT, deadline)) {
      socklen_t length = sizeof(error);
      getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
    if (error != 0) {
      return absl::UnavailableError(
          absl::StrCat("127.0.0.1:", port, ": cannot connect"));
    }
  }
  const std::string request =
      absl::StrCat("GET ", path_and_query, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(s.fd, POLLOUT, deadline))
      return absl::DeadlineExceededError("HTTP send");
    const ssize_t n =
        send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return absl::UnavailableError("HTTP send failed");
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buffer[8192];
  while (true) {  // HTTP/1.0: the server closes the connection after the body
    if (!WaitFor(s.fd, POLLIN, deadline))
      return absl::DeadlineExceededError("HTTP receive");
    const ssize_t n = recv(s.fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN) return absl::UnavailableError("HTTP receive failed");
    if (n > 0) answer.append(buffer, static_cast<size_t>(n));
  }
  // "HTTP/1.x NNN reason\r\n headers \r\n\r\n body"
  const size_t space = answer.find(' ');
  const size_t body = answer.find("\r\n\r\n");
  HttpResponse response;
  if (answer.rfind("HTTP/", 0) != 0 || space == std::string::npos ||
      body == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(answer).substr(space + 1, 3),
                        &response.status)) {
    return absl::InternalError(
        absl::StrCat("127.0.0.1:", port, ": not an HTTP answer"));
  }
  response.body = answer.substr(body + 4);
  return response;
}

absl::StatusOr<ListeningChild> StartOnFreePort(const ListenOptions& options) {
  std::string last_log;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    absl::StatusOr<int> port = PickFreeLoopbackPort();
    if (!port.ok()) return port.status();
    absl::StatusOr<std::unique_ptr<ChildProcess>> child =
        ChildProcess::Start(options.argv(*port, attempt),
                            absl::StrCat(options.log_prefix, "-", attempt, ".log"));
    if (!child.ok()) return child.status();
    const absl::Time deadline = absl::Now() + options.start_timeout;
    while (absl::Now() < deadline && !(*child)->ExitStatus().has_value()) {
      if (options.ready(*port)) return ListeningChild{*port, *std::move(child)};
      absl::SleepFor(
          absl::Milliseconds(20));  // Polling interval, not a wait for an event.
    }
    last_log = (*child)->log();
    const std::optional<int> status = (*child)->ExitStatus();
    if (status == 127) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.name, " cannot be run; install it (deploy/install-deps.sh)"));
    }
    if (!status.has_value() || !absl::StrContains(last_log, options.bind_error)) break;
  }
  return absl::UnavailableError(
      absl::StrCat(options.name, " did not start:\n", last_log));
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace streamtune::local
