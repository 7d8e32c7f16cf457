#include "common/interrupt.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace streamtune {
namespace {

// Each test runs in a process of its own (ctest runs them one by one), so
// the handler's state starts clean.

TEST(Interrupt, TheFirstSignalIsARequestTheCommandPolls) {
  InstallInterruptHandler();
  EXPECT_FALSE(InterruptRequested());
  EXPECT_EQ(InterruptExitStatus(), 1);
  ASSERT_EQ(raise(SIGTERM), 0);  // Handled synchronously: the process lives on.
  EXPECT_TRUE(InterruptRequested());
  EXPECT_EQ(InterruptExitStatus(), 128 + SIGTERM);
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
