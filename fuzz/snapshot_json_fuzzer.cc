// Fuzzes the protobuf-JSON snapshot reader (common/proto_json.h), through
// which streamtunectl and streamtune-load read snapshot files, with
// arbitrary text. Properties:
//  - ParseJson never crashes and answers OK or INVALID_ARGUMENT;
//  - a snapshot it accepts survives ToJson (compact and pretty, as the
//    stores and the CLI write it) and parses back to the same message, a
//    negative zero read back as zero: libprotobuf prints -0.0 as "-0",
//    which JSON reads as the integer 0 (found by this harness; the two are
//    the same number to every reader of a snapshot).
// Debian's libprotobuf, which does the parsing, is not instrumented: coverage
// guidance sees only the generated code and common/proto_json.cc.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/proto_json.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "streamtune/v1/snapshot.pb.h"

namespace {

// Sets every double zero of `message`, nested messages included, to +0.0
// (the snapshot messages have no float fields).
void PositiveZeros(google::protobuf::Message* message) {
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  using Field = google::protobuf::FieldDescriptor;
  for (const Field* field : fields) {
    const bool repeated = field->is_repeated();
    const int n = repeated ? reflection->FieldSize(*message, field) : 1;
    for (int i = 0; i < n; ++i) {
      if (field->cpp_type() == Field::CPPTYPE_MESSAGE) {
        PositiveZeros(repeated ? reflection->MutableRepeatedMessage(message, field, i)
                               : reflection->MutableMessage(message, field));
      } else if (field->cpp_type() == Field::CPPTYPE_DOUBLE) {
        const double v = repeated ? reflection->GetRepeatedDouble(*message, field, i)
                                  : reflection->GetDouble(*message, field);
        if (v != 0) continue;
        if (repeated) {
          reflection->SetRepeatedDouble(message, field, i, 0.0);
        } else {
          reflection->SetDouble(message, field, 0.0);
        }
      }
    }
  }
}

// Deterministic wire bytes: equal for equal messages, NaNs included (a
// MessageDifferencer would call NaN != NaN), signed zeros as one.
std::string WireBytes(const google::protobuf::Message& original) {
  std::unique_ptr<google::protobuf::Message> message(original.New());
  message->CopyFrom(original);
  PositiveZeros(message.get());
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message->SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

void CheckRoundTrip(const streamtune::v1::Snapshot& snapshot, bool pretty) {
  const std::string json = streamtune::ToJson(snapshot, pretty);
  streamtune::v1::Snapshot reparsed;
  const absl::Status status = streamtune::ParseJson(json, "written", &reparsed);
  FUZZ_REQUIRE(status.ok(), status.ToString() + "\n" + json);
  FUZZ_REQUIRE(WireBytes(reparsed) == WireBytes(snapshot), json);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Rejected inputs make libprotobuf log each reason; that is noise here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  streamtune::v1::Snapshot snapshot;
  const absl::Status status = streamtune::ParseJson(text, "fuzz", &snapshot);
  if (!status.ok()) {
    FUZZ_REQUIRE(status.code() == absl::StatusCode::kInvalidArgument,
                 status.ToString());
    return 0;
  }
  CheckRoundTrip(snapshot, /*pretty=*/false);
  CheckRoundTrip(snapshot, /*pretty=*/true);
  return 0;
}
