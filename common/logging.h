// Minimal thread-safe line logging to stderr (Debian's Abseil has no
// absl/log). One line per call: "2026-11-23T22:50:17.123Z I message".
#ifndef STREAMTUNE_COMMON_LOGGING_H_
#define STREAMTUNE_COMMON_LOGGING_H_

#include "absl/strings/string_view.h"

namespace streamtune {

enum class LogSeverity { kInfo, kWarning, kError };

void Log(LogSeverity severity, absl::string_view message);
inline void LogInfo(absl::string_view message) { Log(LogSeverity::kInfo, message); }
inline void LogWarning(absl::string_view message) {
  Log(LogSeverity::kWarning, message);
}
inline void LogError(absl::string_view message) { Log(LogSeverity::kError, message); }

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_LOGGING_H_
