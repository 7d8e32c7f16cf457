// Which pre-trained model serves a job (docs/algorithm.md §3.2): the
// cluster whose medoid DAG is nearest by normalised graph edit distance, or
// the global model when every medoid is farther than a threshold.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CLUSTER_MATCHING_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CLUSTER_MATCHING_H_

#include <optional>

#include "server/core/learning/model_repository.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

struct ClusterMatch {
  v1::Model model;
  double distance = 0;  // Normalised GED to the medoid (global: nearest one).
  bool global = false;
};

// The nearest cluster within `max_distance`; else the global model; else
// (a run without a global model) the nearest cluster. nullopt only for a run
// without models.
std::optional<ClusterMatch> MatchCluster(const v1::Snapshot& snapshot,
                                         const PretrainedModels& run,
                                         double max_distance);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_CLUSTER_MATCHING_H_
