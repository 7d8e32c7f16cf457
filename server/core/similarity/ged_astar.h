// The exact A* search behind GedExact and NormalisedGed (ged.h), kept apart
// because it is the one intricate part. Call GedExact instead: it checks the
// size limit and supplies the upper bound. Pure; thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_H_

#include "server/core/similarity/labelled_graph.h"

namespace streamtune {

// GedExact (ged.h) accepts graphs of at most this many nodes each: the
// search keeps a node image per position in a fixed array of this size.
inline constexpr int kMaxExactGedNodes = 10;

// The GED of `a` and `b` (each at most kMaxExactGedNodes nodes), given the
// cost `upper_bound` of some complete edit path: only states whose bound is
// below it are explored, and it is returned when no edit path is cheaper.
int AStarGed(const LabelledGraph& a, const LabelledGraph& b, int upper_bound);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_GED_ASTAR_H_
