// The pairwise NormalisedGed matrix of a corpus of DAGs, the input of
// k-medoids (docs/algorithm.md §2.2-2.3). Identical DAGs (equal
// CanonicalForm) are compared once: a history holds many snapshots of few
// distinct job graphs.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_GED_DISTANCE_MATRIX_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_GED_DISTANCE_MATRIX_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/similarity/kmedoids.h"
#include "server/core/similarity/labelled_graph.h"

namespace streamtune {

struct GedDistanceStats {
  int distinct_graphs = 0;
  // Pairs of distinct graphs whose GED was computed.
  int64_t computed_pairs = 0;
};

struct GedDistanceOptions {
  // Called with (pairs computed so far, pairs to compute), both counting
  // pairs of distinct graphs, about every `progress_interval` pairs and once
  // at the end. With several threads it runs on the workers, one call at a
  // time. Returning false stops the build with CANCELLED.
  std::function<bool(int64_t done, int64_t total)> progress;
  int64_t progress_interval = 10000;
  // Worker threads (>= 1); NormalisedGed is pure, so pairs are independent.
  int num_threads = 1;
  // Filled when not null.
  GedDistanceStats* stats = nullptr;
};

// The distances among the distinct graphs, and the distinct graph of every
// graph (the first of its copies in `graphs` stands for it), ready for
// k-medoids without expanding to all pairs. Thread-safe: the graphs are only
// read. INVALID_ARGUMENT for num_threads < 1 or progress_interval < 1;
// CANCELLED when `progress` returns false.
absl::StatusOr<RepeatedPoints> BuildDistinctGedDistances(
    absl::Span<const LabelledGraph> graphs, const GedDistanceOptions& options = {});

// d(i, j) = NormalisedGed(graphs[i], graphs[j]); 0 between identical graphs.
// BuildDistinctGedDistances expanded to every pair; same errors.
absl::StatusOr<DistanceMatrix> BuildGedDistanceMatrix(
    absl::Span<const LabelledGraph> graphs, const GedDistanceOptions& options = {});

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_GED_DISTANCE_MATRIX_H_
