#include "client/local/private_postgres.h"

#include <sys/wait.h>

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace streamtune::local {
namespace {

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command` through /bin/sh; returns its stdout+stderr and exit code.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run /bin/sh"};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivatePostgres>> PrivatePostgres::Start(
    const std::string& deploy_dir, const std::string& dir) {
  auto [code, output] = RunCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir + "/pg/start.sh"), " ", ShellQuote(dir)));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/start.sh ", dir,
                                            " failed (exit ", code, "):\n", output));
  }
  auto [url_code, url] = RunCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir + "/pg/url.sh"), " ", ShellQuote(dir)));
  if (url_code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/url.sh failed: ", url));
  }
  return std::unique_ptr<PrivatePostgres>(new PrivatePostgres(
      deploy_dir, dir, std::string(absl::StripAsciiWhitespace(url))));
}

absl::Status PrivatePostgres::Crash() {
  auto [code, output] =
      RunCommand(absl::StrCat("bash ", ShellQuote(deploy_dir_ + "/pg/stop.sh"),
                              " --immediate ", ShellQuote(dir_)));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/stop.sh --immediate ", dir_,
                                            " failed (exit ", code, "):\n", output));
  }
  return absl::OkStatus();
}

absl::Status PrivatePostgres::Restart() {
  auto [code, output] = RunCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir_ + "/pg/start.sh"), " ", ShellQuote(dir_)));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/start.sh ", dir_,
                                            " failed (exit ", code, "):\n", output));
  }
  if (!absl::StrContains(output, url_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "PostgreSQL came back under another URL than ", url_, ":\n", output));
  }
  return absl::OkStatus();
}

PrivatePostgres::~PrivatePostgres() {
  RunCommand(absl::StrCat("bash ", ShellQuote(deploy_dir_ + "/pg/stop.sh"), " ",
                          ShellQuote(dir_)));
}

}  // namespace streamtune::local
