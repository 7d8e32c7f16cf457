#include "client/local/child_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace streamtune::local {
namespace {

// Whether `pid` still runs: neither gone nor a zombie waiting to be reaped.
bool Running(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  const char state = line[paren + 2];
  return state != 'Z' && state != 'X';
}

TEST(ChildProcessTest, EndsWithTheProcessThatStartedIt) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t starter = fork();
  ASSERT_GE(starter, 0);
  if (starter == 0) {
    close(fds[0]);
    auto child = ChildProcess::Start({"sleep", "60"}, "/dev/null");
    const pid_t pid = child.ok() ? (*child)->pid() : -1;
    (void)!write(fds[1], &pid, sizeof(pid));
    _exit(0);  // No destructors run: as if the starter were killed.
  }
  close(fds[1]);
  pid_t child = -1;
  ASSERT_EQ(read(fds[0], &child, sizeof(child)), static_cast<ssize_t>(sizeof(child)));
  close(fds[0]);
  waitpid(starter, nullptr, 0);
  ASSERT_GT(child, 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  bool ended = !Running(child);
  while (!ended && absl::Now() < deadline) {
    absl::SleepFor(
        absl::Milliseconds(10));  // Polling interval, not a wait for an event.
    ended = !Running(child);
  }
  EXPECT_TRUE(ended) << "sleep " << child << " outlived the process that started it";
  if (!ended) kill(child, SIGKILL);
}

TEST(ChildProcessTest, RunsAndReportsTheExitStatus) {
  auto child = ChildProcess::Start({"sh", "-c", "exit 3"}, "/dev/null");
  ASSERT_TRUE(child.ok()) << child.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!(*child)->ExitStatus().has_value() && absl::Now() < deadline) {
    absl::SleepFor(
        absl::Milliseconds(5));  // Polling interval, not a wait for an event.
  }
  EXPECT_EQ((*child)->ExitStatus(), 3);
}

}  // namespace
}  // namespace streamtune::local
