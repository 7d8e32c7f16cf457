#include "server/core/policies/flink_autoscaler/flink_autoscaler_timeline.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace streamtune {

FlinkTimeline::FlinkTimeline(const PolicyInput& input) {
  const v1::Snapshot& now = input.graph.snapshot();
  const double t_now = TimestampSeconds(now.observed_at());
  std::vector<const v1::Snapshot*> past;
  for (const auto& stored : input.history) {
    const v1::Snapshot& s = stored.snapshot();
    if (s.snapshot_id() == now.snapshot_id()) continue;
    if (TimestampSeconds(s.observed_at()) < t_now - kTimelineEpsilonS)
      past.push_back(&s);
  }
  std::stable_sort(past.begin(), past.end(), [](const auto* a, const auto* b) {
    return TimestampSeconds(a->observed_at()) < TimestampSeconds(b->observed_at());
  });
  for (const v1::Snapshot* s : past) {
    // One sample per instant, as in Flink's time-keyed history.
    if (!snaps_.empty() &&
        TimestampSeconds(s->observed_at()) < times_.back() + kTimelineEpsilonS)
      continue;
    Add(s);
  }
  Add(&now);
  absl::flat_hash_set<std::string> applied_ids;
  for (const v1::Recommendation& r : input.past_recommendations) {
    if (!r.apply()) continue;
    for (const auto& op : r.operators()) {
      if (op.recommended_parallelism() != op.current_parallelism()) {
        applied_ids.insert(r.snapshot_id());
        break;
      }
    }
  }
  for (const v1::Snapshot* s : snaps_)
    applied_.push_back(applied_ids.contains(s->snapshot_id()));
}

bool FlinkTimeline::Rescaled(int i) const {
  if (snaps_[i]->operators_size() != snaps_[i - 1]->operators_size()) return true;
  for (const auto& op : snaps_[i]->operators()) {
    const v1::Operator* before = Find(i - 1, op.id());
    if (before == nullptr || before->parallelism() != op.parallelism()) return true;
  }
  return false;
}

void FlinkTimeline::Add(const v1::Snapshot* s) {
  snaps_.push_back(s);
  times_.push_back(TimestampSeconds(s->observed_at()));
  auto& index = index_.emplace_back();
  for (int k = 0; k < s->operators_size(); ++k) index[s->operators(k).id()] = k;
}

}  // namespace streamtune
