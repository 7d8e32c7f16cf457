#include "common/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace streamtune {

absl::StatusOr<std::string> ReadWholeFile(absl::string_view what,
                                          const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot read \"", path, "\": ", std::strerror(errno)));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (in.bad() || bytes.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", path, "\" is empty or unreadable"));
  }
  return bytes.str();
}

}  // namespace streamtune
