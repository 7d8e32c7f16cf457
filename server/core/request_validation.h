// Validation of everything a client sends, before anything is stored. Each
// violation is INVALID_ARGUMENT whose message starts with the field path,
// e.g. `snapshot.edges[3].to: unknown operator "joinn"`.
#ifndef STREAMTUNE_SERVER_CORE_REQUEST_VALIDATION_H_
#define STREAMTUNE_SERVER_CORE_REQUEST_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "storage/store.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// Upper bounds that keep one request's cost bounded.
struct ValidationLimits {
  int max_operators = 1000;
  int max_edges = 10000;
  int max_parallelism = 32768;           // Flink's own upper bound.
  int64_t max_snapshot_bytes = 4 << 20;  // Matches the gRPC receive limit.
  double max_window_s = 86400;
};

// Checks a snapshot: ids and their characters, unique operator ids, enum
// values, 1 <= parallelism <= max_parallelism, finite non-negative metrics
// (busy/backpressured/idle within [0, 1000]), edges between existing
// operators, no self-loops or duplicate edges, fractions in (0, 1], sources
// without inputs, sinks without outputs, an acyclic graph, and size limits.
// `path` prefixes every error (normally "snapshot").
absl::Status ValidateSnapshot(const v1::Snapshot& snapshot, absl::string_view path,
                              const ValidationLimits& limits = {});

// A job id used as a query key (same rules as Snapshot.job_id).
absl::Status ValidateJobId(absl::string_view job_id, absl::string_view path);

// A model id used as a query key: the job-id characters, and room for a
// fine-tuned model's id, "job:" + a job id.
absl::Status ValidateModelId(absl::string_view model_id, absl::string_view path);

// page_size must be in [0, 1000]; returns OK and leaves the caller to map 0
// to the default.
absl::Status ValidatePageSize(int32_t page_size, absl::string_view path);

// A google.protobuf.Timestamp within its documented bounds (years 0001 to
// 9999, nanos in [0, 1e9)).
absl::Status ValidateTimestamp(const google::protobuf::Timestamp& timestamp,
                               absl::string_view path);

// The optional range [start, end) of a listing request (null = unset) as a
// TimeRange of microseconds (rounded towards the past). Errors name
// `start_path` / `end_path`; end must be after start when both are set.
absl::StatusOr<TimeRange> ValidateTimeRange(const google::protobuf::Timestamp* start,
                                            absl::string_view start_path,
                                            const google::protobuf::Timestamp* end,
                                            absl::string_view end_path);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_REQUEST_VALIDATION_H_
