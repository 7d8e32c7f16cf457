// Parallelism as the Flink Kubernetes Operator's autoscaler computes it for
// one vertex (JobVertexScaler#scale of release 1.15.0): the scale factor
// applied and bounded, then aligned to the key groups of a hash input.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_KEY_GROUPS_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_KEY_GROUPS_H_

namespace streamtune {

// job.autoscaler.scaling.key-group.partitions.adjust.mode.
enum class KeyGroupAdjustMode {
  // Smallest p >= the computed one that divides the key groups (default).
  kEvenlySpread,
  // Smallest p >= the computed one that lowers key groups per subtask.
  kMaximizeUtilisation,
};

// JobVertexScaler#scale of release 1.15.0: p' = ceil(scale_factor · current)
// bounded to [lower_limit, min(max_parallelism, upper_limit)]; with a hash
// input, aligned to the key groups (= max_parallelism): first the smallest
// matching p in [p', bound] (for a scale-down bound = current), else the
// smallest p below p' with the same key groups per subtask; a result that
// would reverse the direction of the change keeps `current`.
int FlinkAutoscalerParallelism(int current, bool hash_input, int max_parallelism,
                               double scale_factor, int lower_limit, int upper_limit,
                               KeyGroupAdjustMode mode);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_FLINK_AUTOSCALER_FLINK_KEY_GROUPS_H_
