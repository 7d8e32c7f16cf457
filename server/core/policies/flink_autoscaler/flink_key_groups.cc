#include "server/core/policies/flink_autoscaler/flink_key_groups.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace streamtune {

int FlinkAutoscalerParallelism(int current, bool hash_input, int max_parallelism,
                               double scale_factor, int lower_limit, int upper_limit,
                               KeyGroupAdjustMode mode) {
  lower_limit = std::max(1, lower_limit);
  const double wanted = std::ceil(scale_factor * current);
  int p = !(wanted > 0) ? 0 : wanted >= INT_MAX ? INT_MAX : static_cast<int>(wanted);
  const int upper = std::min(max_parallelism, upper_limit);
  p = std::min(std::max(lower_limit, p), upper);
  if (!hash_input || p == current) return p;
  const int groups = max_parallelism;  // Key groups.
  const int align_upper = std::min(groups, upper);
  const bool up = p > current;
  // Phase 1: upwards, never past the current parallelism when scaling down.
  for (int q = p; q <= (up ? align_upper : std::min(current, align_upper)); ++q) {
    if (groups % q == 0 ||
        (mode == KeyGroupAdjustMode::kMaximizeUtilisation && groups / q < groups / p)) {
      return q;
    }
  }
  // Phase 2: downwards to the smallest p with as many key groups per subtask.
  int q = p;
  for (; q > 0; --q) {
    if (groups / q > groups / p) {
      if (groups % q != 0) ++q;
      break;
    }
  }
  q = std::max(q, lower_limit);
  if ((up && q <= current) || (!up && q >= current)) return current;
  return q;
}

}  // namespace streamtune
