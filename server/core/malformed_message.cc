#include "server/core/malformed_message.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"

namespace streamtune {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::io::CodedInputStream;

// The parser's own default recursion limit.
constexpr int kMaxNesting = 100;

enum WireType {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// The first thing wrong, and the path of the field (or message) it is in.
struct Finding {
  std::string path;
  std::string problem;
  bool invalid_utf8 = false;
};

std::string Join(const std::string& path, absl::string_view element) {
  return path.empty() ? std::string(element) : absl::StrCat(path, ".", element);
}

// One occurrence of a field in a path: `operators[2]` for the third element
// of a repeated field, `(field 17)` for a number the type does not declare.
std::string ElementName(const FieldDescriptor* field, int number, int occurrence) {
  if (field == nullptr) return absl::StrCat("(field ", number, ")");
  if (field->is_repeated()) return absl::StrCat(field->name(), "[", occurrence, "]");
  return field->name();
}

// Only proto3 strings are rejected by the parser for invalid UTF-8; proto2
// strings are merely logged, and bytes fields hold anything.
bool ParserChecksUtf8(const FieldDescriptor* field) {
  return field != nullptr && field->type() == FieldDescriptor::TYPE_STRING &&
         field->file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

std::optional<Finding> WalkMessage(CodedInputStream& in, const Descriptor* type,
                                   const std::string& path, int nesting,
                                   int group_number);

// Reads one length-delimited field: recurses into messages, checks strings.
std::optional<Finding> WalkLengthDelimited(CodedInputStream& in,
                                           const FieldDescriptor* field,
                                           const std::string& where, int nesting) {
  int length = 0;
  if (!in.ReadVarintSizeAsInt(&length)) return Finding{where, "invalid length"};
  if (length > in.BytesUntilLimit()) {
    return Finding{where, "length runs past the end of the message"};
  }
  if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
    const CodedInputStream::Limit limit = in.PushLimit(length);
    std::optional<Finding> finding =
        WalkMessage(in, field->message_type(), where, nesting + 1, 0);
    in.PopLimit(limit);
    return finding;
  }
  if (ParserChecksUtf8(field)) {
    std::string value;
    if (!in.ReadString(&value, length)) return Finding{where, "truncated"};
    if (!IsValidUtf8(value)) return Finding{where, "invalid UTF-8", true};
    return std::nullopt;
  }
  if (!in.Skip(length)) return Finding{where, "truncated"};
  return std::nullopt;
}

// Walks the fields of one message up to the input's limit, or up to the
// end-group tag of `group_number` when it is not 0. `type` is null for data
// under a field number the schema does not declare, which the parser keeps
// as unknown fields: it must be well-formed but is not checked further.
std::optional<Finding> WalkMessage(CodedInputStream& in, const Descriptor* type,
                                   const std::string& path, int nesting,
                                   int group_number) {
  if (nesting > kMaxNesting) {
    return Finding{path, absl::StrCat("nested deeper than ", kMaxNesting, " levels")};
  }
  absl::flat_hash_map<int, int> occurrences;
  while (true) {
    if (in.BytesUntilLimit() == 0) {
      if (group_number != 0) return Finding{path, "group is not closed"};
      return std::nullopt;
    }
    const uint32_t tag = in.ReadTag();
    const int number = static_cast<int>(tag >> 3);
    const int wire_type = static_cast<int>(tag & 7);
    if (number == 0) return Finding{path, "invalid field tag"};
    const FieldDescriptor* field =
        type == nullptr ? nullptr : type->FindFieldByNumber(number);
    // A field whose wire type does not match its declaration is kept as an
    // unknown field by the parser, so only its framing matters.
    const std::string where =
        Join(path, ElementName(field, number, occurrences[number]++));
    uint64_t ignored = 0;
    uint32_t ignored32 = 0;
    std::optional<Finding> finding;
    switch (wire_type) {
      case kVarint:
        if (!in.ReadVarint64(&ignored)) return Finding{where, "invalid varint"};
        break;
      case kFixed64:
        if (!in.ReadLittleEndian64(&ignored)) return Finding{where, "truncated"};
        break;
      case kFixed32:
        if (!in.ReadLittleEndian32(&ignored32)) return Finding{where, "truncated"};
        break;
      case kLengthDelimited:
        finding = WalkLengthDelimited(in, field, where, nesting);
        if (finding.has_value()) return finding;
        break;
      case kStartGroup: {
        const Descriptor* group_type =
            field != nullptr && field->type() == FieldDescriptor::TYPE_GROUP
                ? field->message_type()
                : nullptr;
        finding = WalkMessage(in, group_type, where, nesting + 1, number);
        if (finding.has_value()) return finding;
        break;
      }
      case kEndGroup:
        if (number == group_number) return std::nullopt;
        return Finding{path, absl::StrCat("unexpected end of group ", number)};
      default:
        return Finding{where, absl::StrCat("invalid wire type ", wire_type)};
    }
  }
}

}  // namespace

absl::Status DiagnoseUnparsableMessage(absl::string_view bytes,
                                       const google::protobuf::Descriptor& type) {
  const std::string not_valid =
      absl::StrCat("not a valid ", type.full_name(), " message");
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  in.PushLimit(static_cast<int>(bytes.size()));
  const std::optional<Finding> finding = WalkMessage(in, &type, "", 0, 0);
  if (!finding.has_value()) return absl::InvalidArgumentError(not_valid);
  if (finding->invalid_utf8) {
    return absl::InvalidArgumentError(absl::StrCat(finding->path, ": invalid UTF-8"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(not_valid, ": ", finding->path.empty() ? "" : finding->path + ": ",
                   finding->problem));
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t smallest;  // Anything below has a shorter encoding.
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace streamtune
