// Why bytes that the protobuf parser rejected are not a valid message, said
// so that a client can fix its request: the path of the first proto3 string
// field holding invalid UTF-8, or where the wire data stops making sense.
// Pure protobuf: the gRPC layer (server/service/malformed_request_handler.h)
// calls it when a request does not parse.
#ifndef STREAMTUNE_SERVER_CORE_MALFORMED_MESSAGE_H_
#define STREAMTUNE_SERVER_CORE_MALFORMED_MESSAGE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace streamtune {

// INVALID_ARGUMENT explaining why `bytes` do not parse as `type`, with the
// field path in request_validation's style:
//   snapshot.operators[2].id: invalid UTF-8
//   not a valid streamtune.v1.SnapshotRequest message: snapshot: truncated field
// and plain "not a valid <type> message" when the walk finds no reason (the
// parser has limits this walk does not repeat). Reads the wire format
// against the descriptor without building a message, so it works on bytes
// the parser refused; meant only for such bytes.
absl::Status DiagnoseUnparsableMessage(absl::string_view bytes,
                                       const google::protobuf::Descriptor& type);

// True when `text` is UTF-8 as protobuf accepts it for proto3 strings:
// shortest encodings only, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_MALFORMED_MESSAGE_H_
