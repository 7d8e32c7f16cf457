#include "client/cli/operation_progress.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace streamtune {
namespace cli {
namespace {

constexpr int kBarWidth = 20;
// Erases the terminal line before it is written again.
constexpr char kRewriteLine[] = "\r\033[K";

std::string Bar(int64_t done, int64_t total) {
  const int filled = static_cast<int>(kBarWidth * std::min(done, total) / total);
  return absl::StrCat("[", std::string(filled, '#'),
                      std::string(kBarWidth - filled, ' '), "]");
}

}  // namespace

std::string OperationProgress::Line(const v1::PretrainProgress& progress) {
  std::string line = absl::StrCat("pretrain: ", progress.description());
  if (progress.total() > 0) {
    absl::StrAppend(&line, " ", Bar(progress.done(), progress.total()), " ",
                    progress.done(), "/", progress.total(),
                    absl::StrFormat(" %d%%", 100 * progress.done() / progress.total()));
  } else if (progress.done() > 0) {
    absl::StrAppend(&line, " ", progress.done());
  }
  if (progress.has_eta()) {
    const absl::Duration eta = absl::Seconds(progress.eta().seconds());
    absl::StrAppend(&line, " ETA ", absl::FormatDuration(eta));
  }
  return line;
}

void OperationProgress::Show(const v1::Operation& operation) {
  const v1::PretrainProgress& progress = operation.metadata();
  const bool new_phase = progress.description() != phase_;
  if (operation.done()) {
    if (open_) err_ << "\n";
    open_ = false;
    err_ << "pretrain: " << v1::OperationState_Name(operation.state()) << " ("
         << operation.name() << ")\n";
    return;
  }
  if (terminal_) {
    if (new_phase && open_) err_ << "\n";  // The finished phase keeps its line.
    err_ << kRewriteLine << Line(progress) << std::flush;
    open_ = true;
  } else if (new_phase) {
    err_ << Line(progress) << "\n" << std::flush;
  }
  phase_ = progress.description();
}

}  // namespace cli
}  // namespace streamtune
