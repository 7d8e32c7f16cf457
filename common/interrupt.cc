#include "common/interrupt.h"

#include <signal.h>

#include <cstdio>

namespace streamtune {
namespace {

volatile sig_atomic_t received_signal = 0;

void RecordSignal(int signal_number) {
  received_signal = signal_number;
  // The next one takes the default action: ends the process.
  struct sigaction restore = {};
  restore.sa_handler = SIG_DFL;
  sigaction(SIGINT, &restore, nullptr);
  sigaction(SIGTERM, &restore, nullptr);
}

}  // namespace

void InstallInterruptHandler() {
  received_signal = 0;
  struct sigaction action = {};
  action.sa_handler = RecordSignal;
  sigemptyset(&action.sa_mask);
  // Interrupted system calls resume: the command stops where it polls.
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool InterruptRequested() { return received_signal != 0; }

int InterruptExitStatus() { return received_signal != 0 ? 128 + received_signal : 1; }

int FinishCommand(const char* program, const absl::Status& status) {
  if (InterruptRequested()) {
    std::fprintf(stderr,
                 "%s: interrupted; stopped what it had started and removed its "
                 "temporary folders (%s)\n",
                 program, status.ToString().c_str());
    return InterruptExitStatus();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", program, status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace streamtune
