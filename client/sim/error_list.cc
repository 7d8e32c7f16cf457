#include "client/sim/error_list.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace streamtune::sim {

void ErrorList::Add(absl::string_view path, absl::string_view message) {
  errors_.push_back(
      absl::StrCat(path.empty() ? absl::string_view("(root)") : path, ": ", message));
}

absl::Status ErrorList::ToStatus(absl::string_view source_name) const {
  if (errors_.empty()) return absl::OkStatus();
  const size_t shown = std::min(errors_.size(), kMaxReported);
  std::string message = absl::StrJoin(errors_.begin(), errors_.begin() + shown, "; ");
  if (shown < errors_.size()) {
    absl::StrAppend(&message, "; and ", errors_.size() - shown, " more errors");
  }
  if (!source_name.empty()) absl::StrAppend(&message, " (in ", source_name, ")");
  return absl::InvalidArgumentError(message);
}

std::string KeyPath(absl::string_view parent, absl::string_view key) {
  if (parent.empty()) return std::string(key);
  return absl::StrCat(parent, ".", key);
}

std::string IndexPath(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

}  // namespace streamtune::sim
