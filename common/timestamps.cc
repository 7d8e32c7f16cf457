#include "common/timestamps.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace streamtune {

int64_t ToUnixMicros(const google::protobuf::Timestamp& timestamp) {
  // Timestamp.nanos is in [0, 1e9) even before the epoch, so plain division
  // rounds towards the past.
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

google::protobuf::Timestamp FromUnixMicros(int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(rest * 1000));
  return timestamp;
}

google::protobuf::Timestamp NowMicros() {
  return FromUnixMicros(absl::ToUnixMicros(absl::Now()));
}

}  // namespace streamtune
