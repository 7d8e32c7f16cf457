// k-medoids clustering on a precomputed distance matrix (see
// docs/algorithm.md §2.3): PAM (BUILD + SWAP, with the FastPAM1 swap evaluation),
// the mean silhouette, and the choice of k by silhouette under a minimum
// cluster size. Points may repeat (RepeatedPoints): each distinct point is
// then priced once with its multiplicity, with the same result. Pure
// functions; DistanceMatrix is a plain value type.
#ifndef STREAMTUNE_SERVER_CORE_SIMILARITY_KMEDOIDS_H_
#define STREAMTUNE_SERVER_CORE_SIMILARITY_KMEDOIDS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace streamtune {

// A symmetric matrix of non-negative finite distances with a zero diagonal,
// stored as its upper triangle. Not synchronised: concurrent set() calls on
// distinct pairs are safe, anything else needs external locking.
class DistanceMatrix {
 public:
  // `size` points, all distances 0.
  explicit DistanceMatrix(int size = 0);

  // From full rows. INVALID_ARGUMENT unless square, symmetric (within 1e-9),
  // zero on the diagonal, finite and non-negative.
  static absl::StatusOr<DistanceMatrix> FromRows(
      const std::vector<std::vector<double>>& rows);

  int size() const { return size_; }
  double at(int i, int j) const {
    return i == j ? 0 : upper_[Index(i < j ? i : j, i < j ? j : i)];
  }
  // Sets d(i, j) = d(j, i) for i != j; the caller keeps it finite and >= 0.
  void set(int i, int j, double distance) {
    if (i != j) upper_[Index(i < j ? i : j, i < j ? j : i)] = distance;
  }

 private:
  size_t Index(int i, int j) const {  // i < j
    return static_cast<size_t>(i) * (2 * static_cast<size_t>(size_) - i - 1) / 2 +
           (j - i - 1);
  }

  int size_;
  std::vector<double> upper_;
};

// n points of which many may be identical (a history repeats its job DAGs):
// point i is distinct point representative[i], and `distances` holds the
// distances among the distinct points, so d(i, j) =
// distances.at(representative[i], representative[j]). Clustering it gives
// the same result as clustering the n × n matrix (ties are broken the same
// way), with the work of the distinct points.
struct RepeatedPoints {
  DistanceMatrix distances;
  std::vector<int> representative;

  int size() const { return static_cast<int>(representative.size()); }
};

struct Clustering {
  // Point indices of the medoids; cluster c is represented by medoids[c].
  std::vector<int> medoids;
  // assignment[i] = cluster of point i (its nearest medoid).
  std::vector<int> assignment;
  // Sum over points of the distance to their medoid.
  double total_distance = 0;
  // Mean silhouette (MeanSilhouette); 0 for a single cluster.
  double silhouette = 0;

  int k() const { return static_cast<int>(medoids.size()); }
  // Members per cluster.
  std::vector<int> ClusterSizes() const;
};

// PAM: the greedy BUILD initialisation, then SWAP (the best medoid/non-medoid
// exchange while it lowers the total distance by more than 1e-9). `seed`
// only breaks ties between equally good choices (frequent with discrete GED
// values; totals within 1e-9 count as equal, so rounding cannot tell them
// apart), through a seeded permutation of the points: the result is
// deterministic for a given seed. Fills `silhouette`. INVALID_ARGUMENT
// unless 1 <= k <= size (and, for RepeatedPoints, every representative is a
// distinct point).
absl::StatusOr<Clustering> KMedoids(const DistanceMatrix& distances, int k,
                                    uint64_t seed);
absl::StatusOr<Clustering> KMedoids(const RepeatedPoints& points, int k, uint64_t seed);

// Mean over points of s(i) = (b(i) - a(i)) / max(a(i), b(i)), where a(i) is
// the mean distance to the other members of its cluster and b(i) the smallest
// mean distance to another cluster (Rousseeuw 1987). s(i) = 0 for a member of
// a singleton cluster and when a(i) = b(i) = 0. Returns 0 when fewer than two
// clusters are non-empty. Cluster ids must lie in [0, size).
// INVALID_ARGUMENT when assignment.size() != distances.size() or an id is out
// of range.
absl::StatusOr<double> MeanSilhouette(const DistanceMatrix& distances,
                                      absl::Span<const int> assignment);

// Runs KMedoids for every k >= 2 in [k_min, k_max] (k above the number of
// points skipped) and returns the clustering with the best mean silhouette
// among those whose every cluster has at least `min_cluster_size` members
// (ties, within 1e-9, go to the smaller k). k = 1 has no silhouette and is never
// scored: when no k qualifies (or k_max = 1), the single cluster is returned, its
// medoid the point with the least total distance; a history too small or too
// uniform to split is better served by one model. INVALID_ARGUMENT unless
// 1 <= k_min <= k_max, min_cluster_size >= 1, num_threads >= 1 and there is
// at least one point. With several threads the values of k are clustered in
// parallel; the result does not depend on the number of threads.
absl::StatusOr<Clustering> ChooseClustering(const DistanceMatrix& distances, int k_min,
                                            int k_max, int min_cluster_size,
                                            uint64_t seed, int num_threads = 1);
absl::StatusOr<Clustering> ChooseClustering(const RepeatedPoints& points, int k_min,
                                            int k_max, int min_cluster_size,
                                            uint64_t seed, int num_threads = 1);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_SIMILARITY_KMEDOIDS_H_
