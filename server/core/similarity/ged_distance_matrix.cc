#include "server/core/similarity/ged_distance_matrix.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "server/core/similarity/ged.h"

namespace streamtune {

absl::StatusOr<RepeatedPoints> BuildDistinctGedDistances(
    absl::Span<const LabelledGraph> graphs, const GedDistanceOptions& options) {
  if (options.num_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("num_threads = %d, want >= 1", options.num_threads));
  }
  if (options.progress_interval < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "progress_interval = %d, want >= 1", options.progress_interval));
  }
  const int n = static_cast<int>(graphs.size());
  // representative[i]: index of graphs[i] among the distinct graphs.
  std::vector<int> representative(n);
  std::vector<int> distinct;  // Index into graphs of each distinct graph.
  {
    absl::flat_hash_map<std::string, int> by_form;
    for (int i = 0; i < n; ++i) {
      auto [it, inserted] =
          by_form.emplace(CanonicalForm(graphs[i]), static_cast<int>(distinct.size()));
      if (inserted) distinct.push_back(i);
      representative[i] = it->second;
    }
  }
  const int u = static_cast<int>(distinct.size());
  const int64_t total = static_cast<int64_t>(u) * (u - 1) / 2;
  DistanceMatrix unique_distances(u);

  // Rows are handed out dynamically; set() on distinct pairs needs no lock.
  std::atomic<int> next_row{0};
  std::atomic<bool> cancelled{false};
  std::mutex progress_mutex;
  int64_t done = 0, last_reported = 0;  // Guarded by progress_mutex.
  auto work = [&] {
    for (int i = next_row++; i < u && !cancelled; i = next_row++) {
      for (int j = i + 1; j < u; ++j) {
        unique_distances.set(i, j,
                             NormalisedGed(graphs[distinct[i]], graphs[distinct[j]]));
      }
      std::lock_guard<std::mutex> lock(progress_mutex);
      done += u - 1 - i;
      if (options.progress &&
          (done - last_reported >= options.progress_interval || done == total)) {
        last_reported = done;
        if (!options.progress(done, total)) cancelled = true;
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < options.num_threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  if (cancelled) {
    return absl::CancelledError(
        absl::StrFormat("distance matrix cancelled after %d of %d pairs", done, total));
  }

  if (options.stats != nullptr) {
    options.stats->distinct_graphs = u;
    options.stats->computed_pairs = done;
  }
  return RepeatedPoints{std::move(unique_distances), std::move(representative)};
}

absl::StatusOr<DistanceMatrix> BuildGedDistanceMatrix(
    absl::Span<const LabelledGraph> graphs, const GedDistanceOptions& options) {
  STREAMTUNE_ASSIGN_OR_RETURN(const RepeatedPoints points,
                              BuildDistinctGedDistances(graphs, options));
  const int n = points.size();
  DistanceMatrix distances(n);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      distances.set(
          i, j,
          points.distances.at(points.representative[i], points.representative[j]));
    }
  }
  return distances;
}

}  // namespace streamtune
