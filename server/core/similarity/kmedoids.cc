#include "server/core/similarity/kmedoids.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace streamtune {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// A swap must lower the total distance by more than this to be taken, so
// rounding noise cannot make SWAP cycle.
constexpr double kMinImprovement = 1e-12;
// SWAP converges (the total strictly decreases over finitely many medoid
// sets); the cap only bounds pathological inputs.
constexpr int kMaxSwaps = 1000;

// Distances of every point to its nearest and second-nearest medoid.
struct Nearest {
  std::vector<int> slot;  // Index into medoids.
  std::vector<double> first, second;
};

Nearest FindNearest(const DistanceMatrix& d, const std::vector<int>& medoids) {
  const int n = d.size();
  Nearest nearest{std::vector<int>(n, 0), std::vector<double>(n, kInf),
                  std::vector<double>(n, kInf)};
  for (int o = 0; o < n; ++o) {
    for (int s = 0; s < static_cast<int>(medoids.size()); ++s) {
      const double dist = d.at(o, medoids[s]);
      if (dist < nearest.first[o]) {
        nearest.second[o] = nearest.first[o];
        nearest.first[o] = dist;
        nearest.slot[o] = s;
      } else if (dist < nearest.second[o]) {
        nearest.second[o] = dist;
      }
    }
  }
  return nearest;
}

std::vector<int> Build(const DistanceMatrix& d, int k, const std::vector<int>& order) {
  const int n = d.size();
  std::vector<int> medoids;
  std::vector<char> is_medoid(n, 0);
  // First medoid: the point with the least total distance.
  int first = -1;
  double best_total = kInf;
  for (int c : order) {
    double total = 0;
    for (int o = 0; o < n; ++o) total += d.at(o, c);
    if (total < best_total) best_total = total, first = c;
  }
  medoids.push_back(first);
  is_medoid[first] = 1;
  std::vector<double> nearest(n);
  for (int o = 0; o < n; ++o) nearest[o] = d.at(o, first);
  // Each next medoid: the point whose addition lowers the total the most.
  while (static_cast<int>(medoids.size()) < k) {
    int best = -1;
    double best_gain = -1;
    for (int c : order) {
      if (is_medoid[c]) continue;
      double gain = 0;
      for (int o = 0; o < n; ++o) gain += std::max(0.0, nearest[o] - d.at(o, c));
      if (gain > best_gain) best_gain = gain, best = c;
    }
    medoids.push_back(best);
    is_medoid[best] = 1;
    for (int o = 0; o < n; ++o) nearest[o] = std::min(nearest[o], d.at(o, best));
  }
  return medoids;
}

// SWAP with FastPAM1's evaluation (Schubert & Rousseeuw 2019): one pass over
// the points prices the exchange of a candidate with every medoid at once,
// O(n²) per iteration instead of PAM's O(k n²). Same swaps as PAM.
void Swap(const DistanceMatrix& d, const std::vector<int>& order,
          std::vector<int>* medoids) {
  const int n = d.size();
  const int k = static_cast<int>(medoids->size());
  std::vector<char> is_medoid(n, 0);
  for (int m : *medoids) is_medoid[m] = 1;
  std::vector<double> delta(k);
  for (int iteration = 0; iteration < kMaxSwaps; ++iteration) {
    const Nearest nearest = FindNearest(d, *medoids);
    double best_delta = -kMinImprovement;
    int best_candidate = -1, best_slot = -1;
    for (int c : order) {
      if (is_medoid[c]) continue;
      std::fill(delta.begin(), delta.end(), 0.0);
      double shared = 0;  // Gain of points that move to c whoever leaves.
      for (int o = 0; o < n; ++o) {
        const double to_c = d.at(o, c);
        const int s = nearest.slot[o];
        const double first = nearest.first[o];
        delta[s] += std::min(to_c, nearest.second[o]) - first;
        if (to_c < first) {
          shared += to_c - first;
          delta[s] -= to_c - first;
        }
      }
      for (int s = 0; s < k; ++s) {
        if (delta[s] + shared < best_delta) {
          best_delta = delta[s] + shared;
          best_candidate = c;
          best_slot = s;
        }
      }
    }
    if (best_candidate < 0) return;
    is_medoid[(*medoids)[best_slot]] = 0;
    is_medoid[best_candidate] = 1;
    (*medoids)[best_slot] = best_candidate;
  }
}

}  // namespace

DistanceMatrix::DistanceMatrix(int size)
    : size_(size),
      upper_(size > 1 ? static_cast<size_t>(size) * (size - 1) / 2 : 0, 0.0) {}

absl::StatusOr<DistanceMatrix> DistanceMatrix::FromRows(
    const std::vector<std::vector<double>>& rows) {
  const int n = static_cast<int>(rows.size());
  DistanceMatrix matrix(n);
  for (int i = 0; i < n; ++i) {
    if (static_cast<int>(rows[i].size()) != n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("row %d has %d entries, want %d", i, rows[i].size(), n));
    }
    for (int j = 0; j < n; ++j) {
      const double v = rows[i][j];
      if (!std::isfinite(v) || v < 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("distance [%d][%d] = %g is not finite and >= 0", i, j, v));
      }
      if (i == j && v != 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("diagonal [%d][%d] = %g, want 0", i, i, v));
      }
      if (std::abs(v - rows[j][i]) > 1e-9) {
        return absl::InvalidArgumentError(
            absl::StrFormat("not symmetric: [%d][%d] = %g but [%d][%d] = %g", i, j, v,
                            j, i, rows[j][i]));
      }
      if (i < j) matrix.set(i, j, v);
    }
  }
  return matrix;
}

std::vector<int> Clustering::ClusterSizes() const {
  std::vector<int> sizes(medoids.size(), 0);
  for (int c : assignment) ++sizes[c];
  return sizes;
}

absl::StatusOr<Clustering> KMedoids(const DistanceMatrix& distances, int k,
                                    uint64_t seed) {
  const int n = distances.size();
  if (k < 1 || k > n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("k = %d outside [1, %d] (the number of points)", k, n));
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);

  Clustering clustering;
  clustering.medoids = Build(distances, k, order);
  Swap(distances, order, &clustering.medoids);
  const Nearest nearest = FindNearest(distances, clustering.medoids);
  clustering.assignment = nearest.slot;
  // A medoid always belongs to its own cluster, even when it coincides with
  // another medoid (identical points), so no cluster is empty.
  for (int s = 0; s < k; ++s) clustering.assignment[clustering.medoids[s]] = s;
  for (int o = 0; o < n; ++o) {
    clustering.total_distance +=
        distances.at(o, clustering.medoids[clustering.assignment[o]]);
  }
  STREAMTUNE_ASSIGN_OR_RETURN(clustering.silhouette,
                              MeanSilhouette(distances, clustering.assignment));
  return clustering;
}

absl::StatusOr<double> MeanSilhouette(const DistanceMatrix& distances,
                                      absl::Span<const int> assignment) {
  const int n = distances.size();
  if (static_cast<int>(assignment.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "assignment has %d entries for %d points", assignment.size(), n));
  }
  std::vector<int> sizes(n, 0);
  for (int i = 0; i < n; ++i) {
    if (assignment[i] < 0 || assignment[i] >= n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("assignment[%d] = %d outside [0, %d)", i, assignment[i], n));
    }
    ++sizes[assignment[i]];
  }
  if (std::count_if(sizes.begin(), sizes.end(), [](int s) { return s > 0; }) < 2) {
    return 0.0;
  }
  std::vector<double> sums(n);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    const int own = assignment[i];
    if (sizes[own] == 1) continue;  // s(i) = 0
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int j = 0; j < n; ++j) sums[assignment[j]] += distances.at(i, j);
    const double a = sums[own] / (sizes[own] - 1);
    double b = kInf;
    for (int c = 0; c < n; ++c) {
      if (c != own && sizes[c] > 0) b = std::min(b, sums[c] / sizes[c]);
    }
    const double scale = std::max(a, b);
    if (scale > 0) total += (b - a) / scale;
  }
  return total / n;
}

absl::StatusOr<Clustering> ChooseClustering(const DistanceMatrix& distances, int k_min,
                                            int k_max, int min_cluster_size,
                                            uint64_t seed) {
  if (k_min < 1 || k_max < k_min) {
    return absl::InvalidArgumentError(
        absl::StrFormat("k range [%d, %d]: want 1 <= k_min <= k_max", k_min, k_max));
  }
  if (min_cluster_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("min_cluster_size = %d, want >= 1", min_cluster_size));
  }
  if (distances.size() == 0) {
    return absl::InvalidArgumentError("no points to cluster");
  }
  std::optional<Clustering> best;
  for (int k = std::max(k_min, 2); k <= std::min(k_max, distances.size()); ++k) {
    STREAMTUNE_ASSIGN_OR_RETURN(Clustering candidate, KMedoids(distances, k, seed));
    const std::vector<int> sizes = candidate.ClusterSizes();
    if (*std::min_element(sizes.begin(), sizes.end()) < min_cluster_size) continue;
    if (!best.has_value() || candidate.silhouette > best->silhouette) {
      best = std::move(candidate);
    }
  }
  if (best.has_value()) return *std::move(best);
  return KMedoids(distances, 1, seed);
}

}  // namespace streamtune
