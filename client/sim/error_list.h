// ErrorList: collects "path: message" validation errors so a workload file
// is reported as a whole instead of one error per attempt. Internal to the
// simulator's workload parsing and validation. Thread-compatible.
#ifndef STREAMTUNE_CLIENT_SIM_ERROR_LIST_H_
#define STREAMTUNE_CLIENT_SIM_ERROR_LIST_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace streamtune::sim {

class ErrorList {
 public:
  // Records "path: message" (or "(root): message" when `path` is empty).
  void Add(absl::string_view path, absl::string_view message);
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }

  // OK when empty; otherwise INVALID_ARGUMENT with the first kMaxReported
  // errors joined by "; " (plus how many were left out) and, when
  // `source_name` is not empty, " (in SOURCE)" at the end.
  absl::Status ToStatus(absl::string_view source_name = "") const;

  static constexpr size_t kMaxReported = 20;

 private:
  std::vector<std::string> errors_;
};

// "a.b" for a key below `parent` ("b" at the root); "a[3]" for an index.
std::string KeyPath(absl::string_view parent, absl::string_view key);
std::string IndexPath(absl::string_view parent, size_t index);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_ERROR_LIST_H_
