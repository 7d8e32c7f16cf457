// Conversions between protobuf messages and their canonical JSON mapping, with
// absl::Status errors. Used by the CLI, the example files and the stores.
#ifndef STREAMTUNE_COMMON_PROTO_JSON_H_
#define STREAMTUNE_COMMON_PROTO_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace streamtune {

// Parses `json` into `message` (cleared first). Unknown fields are an error,
// so a typo never silently becomes a default. INVALID_ARGUMENT on failure,
// with the parser's message prefixed by `what` (e.g. a file name).
absl::Status ParseJson(absl::string_view json, absl::string_view what,
                       google::protobuf::Message* message);

// Serialises `message` as JSON. `pretty` adds indentation and newlines.
std::string ToJson(const google::protobuf::Message& message, bool pretty = false);

// Reads the file at `path` and parses it as JSON into `message`. NOT_FOUND
// when the file cannot be read; INVALID_ARGUMENT when it does not parse.
absl::Status ParseJsonFile(const std::string& path, google::protobuf::Message* message);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_PROTO_JSON_H_
