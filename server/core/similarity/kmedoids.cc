#include "server/core/similarity/kmedoids.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace streamtune {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Totals summed in different orders (a repeated point is one weighted term)
// differ by rounding: totals this close are equally good, ties going to the
// earlier point of the seeded order, and a swap must lower the total by more
// than this, so rounding noise cannot make SWAP cycle either.
constexpr double kTolerance = 1e-9;
// SWAP converges (the total strictly decreases over finitely many medoid
// sets); the cap only bounds pathological inputs.
constexpr int kMaxSwaps = 1000;

// The points as PAM prices them: every sum over points runs over the
// distinct points, each weighted by its number of points.
struct Points {
  const DistanceMatrix& distinct;
  std::vector<int> representative;  // Per point.
  std::vector<double> weight;       // Per distinct point.

  int size() const { return static_cast<int>(representative.size()); }
  int num_distinct() const { return distinct.size(); }
  // Distance between distinct point o and point c.
  double to(int o, int c) const { return distinct.at(o, representative[c]); }
};

absl::StatusOr<Points> MakePoints(const DistanceMatrix& distinct,
                                  std::vector<int> representative) {
  Points points{distinct, std::move(representative),
                std::vector<double>(distinct.size(), 0.0)};
  for (int i = 0; i < points.size(); ++i) {
    const int r = points.representative[i];
    if (r < 0 || r >= distinct.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "representative[%d] = %d outside [0, %d)", i, r, distinct.size()));
    }
    points.weight[r] += 1;
  }
  return points;
}

Points EveryPointDistinct(const DistanceMatrix& distances) {
  std::vector<int> identity(distances.size());
  std::iota(identity.begin(), identity.end(), 0);
  return MakePoints(distances, std::move(identity)).value();
}

// The candidates of a BUILD or SWAP step, in `order`: the first non-medoid
// point of each distinct point. Later points of the same distinct point
// would price the same and lose the tie.
std::vector<int> Candidates(const Points& p, const std::vector<int>& order,
                            const std::vector<char>& is_medoid) {
  std::vector<char> seen(p.num_distinct(), 0);
  std::vector<int> candidates;
  for (int c : order) {
    if (is_medoid[c] || seen[p.representative[c]]) continue;
    seen[p.representative[c]] = 1;
    candidates.push_back(c);
  }
  return candidates;
}

// Distances of every distinct point to its nearest and second-nearest medoid.
struct Nearest {
  std::vector<int> slot;  // Index into medoids.
  std::vector<double> first, second;
};

Nearest FindNearest(const Points& p, const std::vector<int>& medoids) {
  const int u = p.num_distinct();
  Nearest nearest{std::vector<int>(u, 0), std::vector<double>(u, kInf),
                  std::vector<double>(u, kInf)};
  for (int o = 0; o < u; ++o) {
    for (int s = 0; s < static_cast<int>(medoids.size()); ++s) {
      const double dist = p.to(o, medoids[s]);
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

std::vector<int> Build(const Points& p, int k, const std::vector<int>& order) {
  const int u = p.num_distinct();
  std::vector<int> medoids;
  std::vector<char> is_medoid(p.size(), 0);
  // First medoid: the point with the least total distance.
  int first = -1;
  double best_total = kInf;
  for (int c : Candidates(p, order, is_medoid)) {
    double total = 0;
    for (int o = 0; o < u; ++o) total += p.weight[o] * p.to(o, c);
    if (total < best_total - kTolerance) best_total = total, first = c;
  }
  medoids.push_back(first);
  is_medoid[first] = 1;
  std::vector<double> nearest(u);
  for (int o = 0; o < u; ++o) nearest[o] = p.to(o, first);
  // Each next medoid: the point whose addition lowers the total the most.
  while (static_cast<int>(medoids.size()) < k) {
    int best = -1;
    double best_gain = -1;
    for (int c : Candidates(p, order, is_medoid)) {
      double gain = 0;
      for (int o = 0; o < u; ++o) {
        gain += p.weight[o] * std::max(0.0, nearest[o] - p.to(o, c));
      }
      if (gain > best_gain + kTolerance) best_gain = gain, best = c;
    }
    medoids.push_back(best);
    is_medoid[best] = 1;
    for (int o = 0; o < u; ++o) nearest[o] = std::min(nearest[o], p.to(o, best));
  }
  return medoids;
}

// SWAP with FastPAM1's evaluation (Schubert & Rousseeuw 2019): one pass over
// the points prices the exchange of a candidate with every medoid at once,
// O(n²) per iteration instead of PAM's O(k n²). Same swaps as PAM.
void Swap(const Points& p, const std::vector<int>& order, std::vector<int>* medoids) {
  const int u = p.num_distinct();
  const int k = static_cast<int>(medoids->size());
  std::vector<char> is_medoid(p.size(), 0);
  for (int m : *medoids) is_medoid[m] = 1;
  std::vector<double> delta(k);
  for (int iteration = 0; iteration < kMaxSwaps; ++iteration) {
    const Nearest nearest = FindNearest(p, *medoids);
    double best_delta = 0;
    int best_candidate = -1, best_slot = -1;
    for (int c : Candidates(p, order, is_medoid)) {
      std::fill(delta.begin(), delta.end(), 0.0);
      double shared = 0;  // Gain of points that move to c whoever leaves.
      for (int o = 0; o < u; ++o) {
        const double w = p.weight[o];
        const double to_c = p.to(o, c);
        const int s = nearest.slot[o];
        const double first = nearest.first[o];
        delta[s] += w * (std::min(to_c, nearest.second[o]) - first);
        if (to_c < first) {
          shared += w * (to_c - first);
          delta[s] -= w * (to_c - first);
        }
      }
      for (int s = 0; s < k; ++s) {
        if (delta[s] + shared < best_delta - kTolerance) {
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

// MeanSilhouette over points that repeat: the points of one distinct point
// in one cluster share s(i), computed once. Cluster ids in [0, size).
double Silhouette(const Points& p, absl::Span<const int> assignment) {
  const int n = p.size();
  std::vector<int> sizes(n, 0);
  for (int c : assignment) ++sizes[c];
  if (std::count_if(sizes.begin(), sizes.end(), [](int s) { return s > 0; }) < 2) {
    return 0.0;
  }
  // Groups: (distinct point, cluster) pairs, in order of first point.
  std::vector<int> group_point, group_cluster;
  std::vector<double> group_weight;
  {
    absl::flat_hash_map<int64_t, int> group_of;
    for (int i = 0; i < n; ++i) {
      const int64_t key = static_cast<int64_t>(p.representative[i]) * n + assignment[i];
      auto [it, inserted] = group_of.emplace(key, static_cast<int>(group_point.size()));
      if (inserted) {
        group_point.push_back(i);
        group_cluster.push_back(assignment[i]);
        group_weight.push_back(0);
      }
      group_weight[it->second] += 1;
    }
  }
  const int groups = static_cast<int>(group_point.size());
  std::vector<double> sums(n);
  double total = 0;
  for (int g = 0; g < groups; ++g) {
    const int own = group_cluster[g];
    if (sizes[own] == 1) continue;  // s(i) = 0
    std::fill(sums.begin(), sums.end(), 0.0);
    const int o = p.representative[group_point[g]];
    for (int h = 0; h < groups; ++h) {
      sums[group_cluster[h]] += group_weight[h] * p.to(o, group_point[h]);
    }
    const double a = sums[own] / (sizes[own] - 1);
    double b = kInf;
    for (int c = 0; c < n; ++c) {
      if (c != own && sizes[c] > 0) b = std::min(b, sums[c] / sizes[c]);
    }
    const double scale = std::max(a, b);
    if (scale > 0) total += group_weight[g] * (b - a) / scale;
  }
  return total / n;
}

absl::StatusOr<Clustering> KMedoidsOf(const Points& p, int k, uint64_t seed) {
  const int n = p.size();
  if (k < 1 || k > n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("k = %d outside [1, %d] (the number of points)", k, n));
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);

  Clustering clustering;
  clustering.medoids = Build(p, k, order);
  Swap(p, order, &clustering.medoids);
  const Nearest nearest = FindNearest(p, clustering.medoids);
  clustering.assignment.resize(n);
  for (int i = 0; i < n; ++i)
    clustering.assignment[i] = nearest.slot[p.representative[i]];
  // A medoid always belongs to its own cluster, even when it coincides with
  // another medoid (identical points), so no cluster is empty.
  for (int s = 0; s < k; ++s) clustering.assignment[clustering.medoids[s]] = s;
  for (int i = 0; i < n; ++i) {
    clustering.total_distance +=
        p.to(p.representative[i], clustering.medoids[clustering.assignment[i]]);
  }
  clustering.silhouette = Silhouette(p, clustering.assignment);
  return clustering;
}

absl::StatusOr<Clustering> ChooseClusteringOf(const Points& p, int k_min, int k_max,
                                              int min_cluster_size, uint64_t seed,
                                              int num_threads) {
  if (k_min < 1 || k_max < k_min) {
    return absl::InvalidArgumentError(
        absl::StrFormat("k range [%d, %d]: want 1 <= k_min <= k_max", k_min, k_max));
  }
  if (min_cluster_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("min_cluster_size = %d, want >= 1", min_cluster_size));
  }
  if (num_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("num_threads = %d, want >= 1", num_threads));
  }
  if (p.size() == 0) {
    return absl::InvalidArgumentError("no points to cluster");
  }
  std::vector<int> ks;
  for (int k = std::max(k_min, 2); k <= std::min(k_max, p.size()); ++k) ks.push_back(k);
  // Each k is clustered on its own (pure), then compared in order of k.
  std::vector<absl::StatusOr<Clustering>> candidates(ks.size(),
                                                     absl::UnknownError("not run"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < ks.size(); i = next++) {
      candidates[i] = KMedoidsOf(p, ks[i], seed);
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::min<int>(num_threads, ks.size()); ++t) {
    workers.emplace_back(work);
  }
  work();
  for (std::thread& worker : workers) worker.join();

  std::optional<Clustering> best;
  for (absl::StatusOr<Clustering>& candidate : candidates) {
    if (!candidate.ok()) return candidate.status();
    const std::vector<int> sizes = candidate->ClusterSizes();
    if (*std::min_element(sizes.begin(), sizes.end()) < min_cluster_size) continue;
    if (!best.has_value() || candidate->silhouette > best->silhouette + kTolerance) {
      best = *std::move(candidate);
    }
  }
  if (best.has_value()) return *std::move(best);
  return KMedoidsOf(p, 1, seed);
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
  return KMedoidsOf(EveryPointDistinct(distances), k, seed);
}

absl::StatusOr<Clustering> KMedoids(const RepeatedPoints& points, int k,
                                    uint64_t seed) {
  STREAMTUNE_ASSIGN_OR_RETURN(const Points p,
                              MakePoints(points.distances, points.representative));
  return KMedoidsOf(p, k, seed);
}

absl::StatusOr<double> MeanSilhouette(const DistanceMatrix& distances,
                                      absl::Span<const int> assignment) {
  const int n = distances.size();
  if (static_cast<int>(assignment.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "assignment has %d entries for %d points", assignment.size(), n));
  }
  for (int i = 0; i < n; ++i) {
    if (assignment[i] < 0 || assignment[i] >= n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("assignment[%d] = %d outside [0, %d)", i, assignment[i], n));
    }
  }
  return Silhouette(EveryPointDistinct(distances), assignment);
}

absl::StatusOr<Clustering> ChooseClustering(const DistanceMatrix& distances, int k_min,
                                            int k_max, int min_cluster_size,
                                            uint64_t seed, int num_threads) {
  return ChooseClusteringOf(EveryPointDistinct(distances), k_min, k_max,
                            min_cluster_size, seed, num_threads);
}

absl::StatusOr<Clustering> ChooseClustering(const RepeatedPoints& points, int k_min,
                                            int k_max, int min_cluster_size,
                                            uint64_t seed, int num_threads) {
  STREAMTUNE_ASSIGN_OR_RETURN(const Points p,
                              MakePoints(points.distances, points.representative));
  return ChooseClusteringOf(p, k_min, k_max, min_cluster_size, seed, num_threads);
}

}  // namespace streamtune
