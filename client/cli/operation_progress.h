// OperationProgress: streamtunectl's live view of a pre-training operation
// on stderr: phase, a bar of done/total, the percentage and the ETA. On a
// terminal the line is rewritten in place and each finished phase keeps its
// last line; elsewhere (a log, a pipe) one line is written per phase. Not
// thread-safe.
#ifndef STREAMTUNE_CLIENT_CLI_OPERATION_PROGRESS_H_
#define STREAMTUNE_CLIENT_CLI_OPERATION_PROGRESS_H_

#include <ostream>
#include <string>

#include "streamtune/v1/admin.pb.h"

namespace streamtune {
namespace cli {

class OperationProgress {
 public:
  OperationProgress(std::ostream& err, bool terminal)
      : err_(err), terminal_(terminal) {}

  // Shows one polled state of the operation.
  void Show(const v1::Operation& operation);

  // "training cluster 2 of 5 (1840 samples) [#####     ] 120/480 25% ETA 1m30s"
  static std::string Line(const v1::PretrainProgress& progress);

 private:
  std::ostream& err_;
  const bool terminal_;
  std::string phase_;  // Description of the phase last shown.
  bool open_ = false;  // A terminal line is being rewritten.
};

}  // namespace cli
}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CLI_OPERATION_PROGRESS_H_
