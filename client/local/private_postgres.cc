#include "client/local/private_postgres.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/local/shell.h"

namespace streamtune::local {

absl::StatusOr<std::unique_ptr<PrivatePostgres>> PrivatePostgres::Start(
    const std::string& deploy_dir, const std::string& dir) {
  auto [code, output] = RunShellCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir + "/pg/start.sh"), " ", ShellQuote(dir)));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/start.sh ", dir,
                                            " failed (exit ", code, "):\n", output));
  }
  auto [url_code, url] = RunShellCommand(absl::StrCat(
      "bash ", ShellQuote(deploy_dir + "/pg/url.sh"), " ", ShellQuote(dir)));
  if (url_code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/url.sh failed: ", url));
  }
  return std::unique_ptr<PrivatePostgres>(new PrivatePostgres(
      deploy_dir, dir, std::string(absl::StripAsciiWhitespace(url))));
}

absl::Status PrivatePostgres::Crash() {
  auto [code, output] =
      RunShellCommand(absl::StrCat("bash ", ShellQuote(deploy_dir_ + "/pg/stop.sh"),
                                   " --immediate ", ShellQuote(dir_)));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("deploy/pg/stop.sh --immediate ", dir_,
                                            " failed (exit ", code, "):\n", output));
  }
  return absl::OkStatus();
}

absl::Status PrivatePostgres::Restart() {
  auto [code, output] = RunShellCommand(absl::StrCat(
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
  RunShellCommand(absl::StrCat("bash ", ShellQuote(deploy_dir_ + "/pg/stop.sh"),
                               remove_when_stopped_ ? " --remove " : " ",
                               ShellQuote(dir_)));
}

}  // namespace streamtune::local
