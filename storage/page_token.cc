#include "storage/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace streamtune {
namespace {

// Bumped if the encoding ever changes, so old tokens read as malformed
// instead of being misread.
constexpr absl::string_view kFormat = "st1";

absl::Status Malformed() { return absl::InvalidArgumentError("page_token: malformed"); }

void AppendPart(absl::string_view part, std::string* out) {
  absl::StrAppend(out, part.size(), ":", part);
}

// Reads one length-prefixed part from the front of `in`.
bool ConsumePart(absl::string_view* in, std::string* part) {
  size_t colon = in->find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon > 9) return false;
  uint32_t size = 0;
  if (!absl::SimpleAtoi(in->substr(0, colon), &size)) return false;
  in->remove_prefix(colon + 1);
  if (size > in->size()) return false;
  part->assign(in->data(), size);
  in->remove_prefix(size);
  return true;
}

}  // namespace

std::string EncodePageToken(absl::string_view listing,
                            absl::Span<const std::string> key) {
  std::string raw;
  AppendPart(kFormat, &raw);
  AppendPart(listing, &raw);
  for (const std::string& part : key) AppendPart(part, &raw);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view listing,
                                                         absl::string_view token,
                                                         size_t parts) {
  if (token.empty()) return std::vector<std::string>();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Malformed();
  absl::string_view in = raw;
  std::string format, got_listing;
  if (!ConsumePart(&in, &format) || format != kFormat ||
      !ConsumePart(&in, &got_listing) || got_listing != listing) {
    return Malformed();
  }
  std::vector<std::string> key(parts);
  for (std::string& part : key) {
    if (!ConsumePart(&in, &part)) return Malformed();
  }
  if (!in.empty()) return Malformed();
  return key;
}

absl::StatusOr<int64_t> PageTokenInt(absl::string_view part) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(part, &value)) return Malformed();
  return value;
}

absl::StatusOr<int64_t> DecodeInt64PageToken(absl::string_view listing,
                                             absl::string_view token) {
  absl::StatusOr<std::vector<std::string>> key = DecodePageToken(listing, token, 1);
  if (!key.ok()) return key.status();
  if (key->empty()) return 0;
  return PageTokenInt((*key)[0]);
}

absl::Status ValidatePageSize(const PageRequest& page) {
  if (page.page_size < 1 || page.page_size > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be in [1, 1000], got ", page.page_size));
  }
  return absl::OkStatus();
}

}  // namespace streamtune
