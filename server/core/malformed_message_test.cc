// DiagnoseUnparsableMessage names the field protobuf's parser refused, and
// IsValidUtf8 agrees with the parser on what a proto3 string may hold.
#include "server/core/malformed_message.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/invalid_utf8.h"
#include "server/core/testing/test_snapshots.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {
namespace {

// A SnapshotRequest around testing::ValidChain() changed by `mark`.
template <typename Mark>
v1::SnapshotRequest ChainRequest(Mark mark) {
  v1::SnapshotRequest request;
  *request.mutable_snapshot() = testing::ValidChain();
  mark(request.mutable_snapshot());
  return request;
}

// The diagnosis of `bytes` as a `Request`, after checking that protobuf
// refuses them (the diagnosis is only ever asked about such bytes).
template <typename Request>
std::string DiagnosisAs(const std::string& bytes) {
  EXPECT_FALSE(Request().ParseFromString(bytes)) << "protobuf accepts the bytes";
  const absl::Status status = DiagnoseUnparsableMessage(bytes, *Request::descriptor());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

// The wire form of a string field with a short value (< 128 bytes).
std::string StringField(int number, const std::string& value) {
  return std::string{static_cast<char>(number << 3 | 2),
                     static_cast<char>(value.size())} +
         value;
}

TEST(DiagnoseUnparsableMessage, NamesTheNestedStringWithInvalidUtf8) {
  const std::string bytes = testing::SerializedWithInvalidUtf8(
      ChainRequest([](v1::Snapshot* s) { s->mutable_operators(2)->set_id("zzzz"); }),
      "zzzz");
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>(bytes),
            "snapshot.operators[2].id: invalid UTF-8");
}

TEST(DiagnoseUnparsableMessage, NamesTheFirstBadStringAmongSeveral) {
  // The edge's target, then the job id, get an invalid first byte.
  const v1::SnapshotRequest request = ChainRequest([](v1::Snapshot* s) {
    s->mutable_edges(1)->set_to("zzzz");
    s->set_job_id("yyyy");
  });
  std::string bytes = testing::SerializedWithInvalidUtf8(request, "zzzz");
  bytes[bytes.find("yyyy")] = '\xff';
  // job_id (field 1) is written before the edges (field 9).
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>(bytes), "snapshot.job_id: invalid UTF-8");
  const std::string edge_only = testing::SerializedWithInvalidUtf8(
      ChainRequest([](v1::Snapshot* s) { s->mutable_edges(1)->set_to("zzzz"); }),
      "zzzz");
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>(edge_only),
            "snapshot.edges[1].to: invalid UTF-8");
}

TEST(DiagnoseUnparsableMessage, NamesATopLevelString) {
  EXPECT_EQ(DiagnosisAs<v1::GetJobRequest>(StringField(1, "job\xff")),
            "job_id: invalid UTF-8");
}

TEST(DiagnoseUnparsableMessage, GarbageIsNotAValidMessageOfTheType) {
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>("\xff\xff\xff\xff"),
            "not a valid streamtune.v1.SnapshotRequest message: invalid field tag");
}

TEST(DiagnoseUnparsableMessage, FieldNumberZeroIsAnInvalidTag) {
  EXPECT_EQ(
      DiagnosisAs<v1::GetJobRequest>(StringField(1, "job") + std::string(1, '\0')),
      "not a valid streamtune.v1.GetJobRequest message: invalid field tag");
}

TEST(DiagnoseUnparsableMessage, TruncatedBytesNameTheFieldThatRunsPastTheEnd) {
  std::string bytes = ChainRequest([](v1::Snapshot*) {}).SerializeAsString();
  bytes.pop_back();
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>(bytes),
            "not a valid streamtune.v1.SnapshotRequest message: snapshot: length runs "
            "past the end of the message");
}

TEST(DiagnoseUnparsableMessage, AnInvalidWireTypeInsideANestedMessageIsLocated) {
  // Operator 0 ends in the byte 0x0F: field 1 with wire type 7, which does
  // not exist. The enclosing lengths must count that byte, so the operator,
  // the snapshot around it and the request are framed by hand.
  v1::Operator op;
  op.set_id("source");
  const std::string operator_bytes = op.SerializeAsString() + "\x0f";
  const std::string snapshot =
      std::string{0x42, static_cast<char>(operator_bytes.size())} +
      operator_bytes;  // field 8, LEN
  const std::string bytes =
      std::string{0x0a, static_cast<char>(snapshot.size())} + snapshot;  // field 1
  EXPECT_EQ(DiagnosisAs<v1::SnapshotRequest>(bytes),
            "not a valid streamtune.v1.SnapshotRequest message: "
            "snapshot.operators[0].id: invalid wire type 7");
}

TEST(DiagnoseUnparsableMessage, UnknownFieldsAndValidUnicodeAreNotBlamed) {
  // Parses fine (unknown field 15 is kept): the walk finds nothing to blame
  // and says only that the bytes are not a valid message.
  const std::string bytes =
      StringField(1, "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80") +
      StringField(15, "\xff");
  ASSERT_TRUE(v1::GetJobRequest().ParseFromString(bytes));
  EXPECT_EQ(
      DiagnoseUnparsableMessage(bytes, *v1::GetJobRequest::descriptor()).message(),
      "not a valid streamtune.v1.GetJobRequest message");
}

TEST(IsValidUtf8, AgreesWithTheProtobufParser) {
  const std::string cases[] = {
      "",
      "plain ascii",
      "caf\xc3\xa9",
      "\xe2\x82\xac",
      "\xf0\x9f\x98\x80",
      "\xf4\x8f\xbf\xbf",  // U+10FFFF, the largest code point
      "\xff",
      "\xc3",              // truncated
      "\xc0\x80",          // overlong NUL
      "\xe0\x80\xaf",      // overlong '/'
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\x80",              // a lone continuation byte
      "a\xe2\x82",         // truncated at the end
      "\xe2\x28\xa1",      // bad continuation
  };
  for (const std::string& text : cases) {
    const bool parses = v1::GetJobRequest().ParseFromString(StringField(1, text));
    EXPECT_EQ(IsValidUtf8(text), parses) << "bytes: " << absl::CEscape(text);
  }
}

}  // namespace
}  // namespace streamtune
