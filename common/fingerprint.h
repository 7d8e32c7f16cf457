// Stable content hashes: the same input gives the same hex string in every
// process and on every machine (unlike absl::Hash, which is seeded per run).
#ifndef STREAMTUNE_COMMON_FINGERPRINT_H_
#define STREAMTUNE_COMMON_FINGERPRINT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// 64-bit FNV-1a of `bytes`, as 16 lowercase hex digits.
std::string Fnv1aHex(absl::string_view bytes);

// Hash of the snapshot's whole content (deterministic serialisation). Two
// snapshots with the same fingerprint are treated as the same retry.
std::string SnapshotFingerprint(const v1::Snapshot& snapshot);

// Hash of the DAG's structure only: operator ids and kinds, and edges with
// their partitioning and fraction, independent of the order they are listed
// in. Parallelism and metrics do not change it.
std::string DagFingerprint(const v1::Snapshot& snapshot);

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_FINGERPRINT_H_
