#include "common/fingerprint.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace streamtune {

std::string Fnv1aHex(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return absl::StrFormat("%016x", hash);
}

std::string SnapshotFingerprint(const v1::Snapshot& snapshot) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    snapshot.SerializeToCodedStream(&coded);
  }
  return Fnv1aHex(bytes);
}

std::string DagFingerprint(const v1::Snapshot& snapshot) {
  std::vector<std::string> parts;
  parts.reserve(snapshot.operators_size() + snapshot.edges_size());
  for (const auto& op : snapshot.operators()) {
    parts.push_back(absl::StrCat("v\x1f", op.id(), "\x1f", op.kind()));
  }
  for (const auto& edge : snapshot.edges()) {
    parts.push_back(absl::StrCat("e\x1f", edge.from(), "\x1f", edge.to(), "\x1f",
                                 edge.partitioning(), "\x1f",
                                 edge.has_fraction() ? edge.fraction() : 1.0));
  }
  std::sort(parts.begin(), parts.end());
  return Fnv1aHex(absl::StrJoin(parts, "\x1e"));
}

}  // namespace streamtune
