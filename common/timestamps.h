// Timestamps at microsecond precision, the precision PostgreSQL's timestamptz
// keeps: conversions between google.protobuf.Timestamp and Unix microseconds.
// Free functions; thread-safe.
#ifndef STREAMTUNE_COMMON_TIMESTAMPS_H_
#define STREAMTUNE_COMMON_TIMESTAMPS_H_

#include <cstdint>

#include "google/protobuf/timestamp.pb.h"

namespace streamtune {

// Microseconds since the Unix epoch, rounded towards the past.
int64_t ToUnixMicros(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp FromUnixMicros(int64_t micros);
// The current time with microsecond precision.
google::protobuf::Timestamp NowMicros();

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_TIMESTAMPS_H_
