#include "common/interrupt.h"

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

// Each test installs the handler first, which forgets any earlier signal.

TEST(Interrupt, TheFirstSignalIsARequestTheCommandPolls) {
  InstallInterruptHandler();
  EXPECT_FALSE(InterruptRequested());
  EXPECT_EQ(InterruptExitStatus(), 1);
  ASSERT_EQ(raise(SIGTERM), 0);  // Handled synchronously: the process lives on.
  EXPECT_TRUE(InterruptRequested());
  EXPECT_EQ(InterruptExitStatus(), 128 + SIGTERM);
}

TEST(Interrupt, FinishCommandSaysWhyItStopped) {
  InstallInterruptHandler();
  EXPECT_EQ(FinishCommand("tool", absl::OkStatus()), 0);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(FinishCommand("tool", absl::NotFoundError("no such workload")), 1);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "tool: NOT_FOUND: no such workload\n");
  ASSERT_EQ(raise(SIGINT), 0);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(FinishCommand("tool", absl::CancelledError("interrupted by a signal")),
            128 + SIGINT);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              ::testing::StartsWith("tool: interrupted; stopped what it had started"));
}

TEST(Interrupt, ASecondSignalEndsTheProcess) {
  EXPECT_EXIT(
      {
        InstallInterruptHandler();
        raise(SIGINT);
        if (!InterruptRequested()) _exit(2);
        raise(SIGTERM);
        _exit(0);
      },
      ::testing::KilledBySignal(SIGTERM), "");
}

}  // namespace
}  // namespace streamtune
