// Serialized messages with invalid UTF-8 in one string field, which the
// protobuf serializer would not write: for tests of how the server answers
// requests that do not parse.
#ifndef STREAMTUNE_SERVER_CORE_TESTING_INVALID_UTF8_H_
#define STREAMTUNE_SERVER_CORE_TESTING_INVALID_UTF8_H_

#include <string>

#include "google/protobuf/message.h"

namespace streamtune::testing {

// `message` serialized, with the first byte of the one occurrence of
// `marker` (a string field's whole value, or part of it) replaced by 0xFF,
// which UTF-8 never uses. Returns "" if `marker` does not occur exactly once,
// so a test that builds its message wrongly fails on the empty request.
inline std::string SerializedWithInvalidUtf8(const google::protobuf::Message& message,
                                             const std::string& marker) {
  std::string bytes = message.SerializeAsString();
  const size_t at = bytes.find(marker);
  if (marker.empty() || at == std::string::npos ||
      bytes.find(marker, at + 1) != std::string::npos) {
    return "";
  }
  bytes[at] = '\xff';
  return bytes;
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_SERVER_CORE_TESTING_INVALID_UTF8_H_
