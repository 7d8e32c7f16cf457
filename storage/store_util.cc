#include "storage/store_util.h"

#include "absl/strings/str_cat.h"

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

absl::Status ValidateSnapshotKey(const v1::StoredSnapshot& snapshot) {
  if (snapshot.snapshot().job_id().empty()) {
    return absl::InvalidArgumentError("snapshot.job_id: empty");
  }
  if (snapshot.snapshot().snapshot_id().empty()) {
    return absl::InvalidArgumentError("snapshot.snapshot_id: empty");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Recommendation> CanonicalRecommendation(
    const v1::StoredSnapshot& snapshot,
    const v1::Recommendation& recommendation,
    const google::protobuf::Timestamp& now) {
  const v1::Snapshot& s = snapshot.snapshot();
  if (!recommendation.job_id().empty() &&
      recommendation.job_id() != s.job_id()) {
    return absl::InvalidArgumentError(
        absl::StrCat("recommendation.job_id: \"", recommendation.job_id(),
                     "\" differs from snapshot.job_id \"", s.job_id(), "\""));
  }
  if (!recommendation.snapshot_id().empty() &&
      recommendation.snapshot_id() != s.snapshot_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "recommendation.snapshot_id: \"", recommendation.snapshot_id(),
        "\" differs from snapshot.snapshot_id \"", s.snapshot_id(), "\""));
  }
  v1::Recommendation out = recommendation;
  out.set_job_id(s.job_id());
  out.set_snapshot_id(s.snapshot_id());
  *out.mutable_created_at() = recommendation.has_created_at()
                                  ? FromUnixMicros(ToUnixMicros(
                                        recommendation.created_at()))
                                  : now;
  return out;
}

absl::Status ValidateModel(const v1::Model& model) {
  if (model.model_id().empty()) {
    return absl::InvalidArgumentError("model.model_id: empty");
  }
  return absl::OkStatus();
}

}  // namespace streamtune
