// SIGINT and SIGTERM as a request a long-running command polls, so that it
// ends through its normal error path: its destructors stop the servers and
// databases it started and remove their temporary folders, which the
// default action of either signal (end the process at once) leaves behind.
#ifndef STREAMTUNE_COMMON_INTERRUPT_H_
#define STREAMTUNE_COMMON_INTERRUPT_H_

#include "absl/status/status.h"

namespace streamtune {

// Makes the first SIGINT or SIGTERM set the request instead of ending the
// process; a second one ends it at once (the default action), for a command
// that does not stop soon enough. Forgets any earlier request. Call it once,
// early in main.
void InstallInterruptHandler();

// Whether an interrupting signal has arrived since InstallInterruptHandler.
bool InterruptRequested();

// The exit status of a command that stopped on the signal: 128 + its number
// (130 for SIGINT, 143 for SIGTERM), as a shell reports a process the signal
// ended; 1 when none arrived.
int InterruptExitStatus();

// The exit status of command `program` whose work ended with `status`,
// after saying on stderr why it stopped: InterruptExitStatus() when a
// signal stopped it, 1 for any other error, 0 for OK.
int FinishCommand(const char* program, const absl::Status& status);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_INTERRUPT_H_
