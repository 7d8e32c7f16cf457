// Training samples from a job's stored history (docs/algorithm.md §2.6):
// for pairs of snapshots (A, B) of the same job at a similar workload (every
// source's target rate within ±10%), features of A, B's parallelism as the
// query, B's labels as the targets. A = B is included.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_TRAINING_SAMPLES_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_TRAINING_SAMPLES_H_

#include <vector>

#include "server/core/learning/bottleneck_model.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

struct SampleOptions {
  // Two snapshots count as the same workload when every source's target
  // rate differs by at most this fraction.
  double similar_rate = 0.10;
  // Pairs kept per job at most (the nearest in time first), so long-lived
  // jobs do not dominate a cluster.
  int max_pairs_per_job = 400;
  double catch_up_s = 300;
};

// `history` is one job's snapshots, oldest first. Snapshots taken while the
// job was stabilising have no labels and are used neither as A nor as B.
std::vector<TrainingSample> BuildTrainingSamples(
    const std::vector<v1::StoredSnapshot>& history, const SampleOptions& options = {});

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_TRAINING_SAMPLES_H_
