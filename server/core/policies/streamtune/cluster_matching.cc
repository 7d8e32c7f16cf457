#include "server/core/policies/streamtune/cluster_matching.h"

#include <limits>

#include "server/core/similarity/ged.h"
#include "server/core/similarity/labelled_graph.h"

namespace streamtune {

std::optional<ClusterMatch> MatchCluster(const v1::Snapshot& snapshot,
                                         const PretrainedModels& run,
                                         double max_distance) {
  const LabelledGraph job = LabelledGraphFromSnapshot(snapshot);
  std::optional<ClusterMatch> best;
  double nearest = std::numeric_limits<double>::infinity();
  for (const v1::Model& cluster : run.clusters) {
    const double d = NormalisedGed(job, LabelledGraphFromSnapshot(cluster.medoid()));
    if (d < nearest) {
      nearest = d;
      best = ClusterMatch{cluster, d, false};
    }
  }
  if (best.has_value() && nearest <= max_distance) return best;
  if (!run.global.has_value()) return best;  // Nearest cluster beats nothing.
  return ClusterMatch{*run.global, nearest, true};
}

}  // namespace streamtune
