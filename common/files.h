// Reading small files whole (certificates, keys, tokens), with errors that
// name the setting the path came from.
#ifndef STREAMTUNE_COMMON_FILES_H_
#define STREAMTUNE_COMMON_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace streamtune {

// The bytes of `path`. INVALID_ARGUMENT "<what>: cannot read "<path>" ..."
// when it cannot be opened or read, or is empty.
absl::StatusOr<std::string> ReadWholeFile(absl::string_view what,
                                          const std::string& path);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_FILES_H_
