// Opaque page tokens shared by every Store implementation: the key of the
// last item of a page, tagged with the listing it belongs to, as web-safe
// base64. Thread-safe: free functions without state.
#ifndef STREAMTUNE_STORAGE_PAGE_TOKEN_H_
#define STREAMTUNE_STORAGE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "storage/store.h"

namespace streamtune {

// Encodes `key` (any bytes per part) as a token for `listing` (e.g. "jobs").
std::string EncodePageToken(absl::string_view listing,
                            absl::Span<const std::string> key);

// Decodes a token made by EncodePageToken for the same `listing` with exactly
// `parts` key parts. An empty token decodes to an empty key (first page).
// INVALID_ARGUMENT "page_token: malformed" for anything else.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view listing,
                                                         absl::string_view token,
                                                         size_t parts);

// Parses a key part written with absl::StrCat(int64); INVALID_ARGUMENT
// "page_token: malformed" if it is not one.
absl::StatusOr<int64_t> PageTokenInt(absl::string_view part);

// For listings keyed by one int64 (such as a sequence): the key after which
// the page starts, 0 for the first page (empty token).
absl::StatusOr<int64_t> DecodeInt64PageToken(absl::string_view listing,
                                             absl::string_view token);

// INVALID_ARGUMENT unless 1 <= page.page_size <= 1000.
absl::Status ValidatePageSize(const PageRequest& page);

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_PAGE_TOKEN_H_
