// Port files: how a process started with port 0 tells its parent (tests,
// the benchmark, scripts) which ports it got. The file is written to a
// temporary name and renamed into place, so a poller sees it complete or not
// at all. Content: one JSON object, e.g. {"grpc_port": 4321, "metrics_port": 4322}.
#ifndef STREAMTUNE_COMMON_PORT_FILE_H_
#define STREAMTUNE_COMMON_PORT_FILE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace streamtune {

// Writes {"<name>": <port>, ...} to `path` atomically. INTERNAL naming the
// path when it cannot be written or renamed into place.
absl::Status WritePortFile(const std::string& path,
                           const std::vector<std::pair<std::string, int>>& ports);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_PORT_FILE_H_
