// FlinkTimeline: a job's stored snapshots as the Flink autoscaler policy
// reads them — oldest first, one per instant, ending with the snapshot being
// answered — with run boundaries and rescales, standing in for the metric
// history the operator keeps in memory.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_AUTOSCALER_TIMELINE_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_AUTOSCALER_TIMELINE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/core/policy.h"

namespace streamtune {

// Tolerance for comparing times in seconds.
inline constexpr double kTimelineEpsilonS = 1e-3;

inline double TimestampSeconds(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds()) + t.nanos() * 1e-9;
}

// Immutable after construction; borrows the snapshots of `input`, which must
// outlive it.
class FlinkTimeline {
 public:
  explicit FlinkTimeline(const PolicyInput& input);

  int size() const { return static_cast<int>(snaps_.size()); }
  int last() const { return size() - 1; }
  const v1::Snapshot& snap(int i) const { return *snaps_[i]; }
  double time(int i) const { return times_[i]; }
  double run_start(int i) const {
    return times_[i] - snaps_[i]->seconds_since_restart();
  }
  // A recommendation answering snapshot i told the client to rescale.
  bool applied(int i) const { return applied_[i]; }
  const v1::Operator* Find(int i, const std::string& id) const {
    auto it = index_[i].find(id);
    return it == index_[i].end() ? nullptr : &snaps_[i]->operators(it->second);
  }
  // First index of the run snapshot i belongs to.
  int RunBegin(int i) const {
    int j = i;
    while (j > 0 && times_[j - 1] >= run_start(i) - kTimelineEpsilonS) --j;
    return j;
  }
  // Some operator's parallelism differs between snapshots i - 1 and i.
  bool Rescaled(int i) const;

 private:
  void Add(const v1::Snapshot* s);

  std::vector<const v1::Snapshot*> snaps_;
  std::vector<double> times_;
  std::vector<absl::flat_hash_map<std::string, int>> index_;
  std::vector<bool> applied_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_AUTOSCALER_TIMELINE_H_
