#include "server/model/metrics.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

namespace streamtune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool BinaryLabels(absl::Span<const int> labels) {
  return std::all_of(labels.begin(), labels.end(),
                     [](int y) { return y == 0 || y == 1; });
}

}  // namespace

double RocAuc(absl::Span<const double> scores, absl::Span<const int> labels) {
  if (scores.size() != labels.size() || !BinaryLabels(labels)) return kNaN;
  // A NaN would break the sort's ordering.
  if (std::any_of(scores.begin(), scores.end(), [](double s) { return s != s; })) {
    return kNaN;
  }
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the positives' ranks (1-based), tied scores sharing their mean rank.
  double positive_rank_sum = 0;
  double positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) {
        positive_rank_sum += mean_rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  const double u = positive_rank_sum - positives * (positives + 1) / 2;
  return u / (positives * negatives);
}

double BrierScore(absl::Span<const double> probabilities,
                  absl::Span<const int> labels) {
  if (probabilities.empty() || probabilities.size() != labels.size() ||
      !BinaryLabels(labels)) {
    return kNaN;
  }
  double sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double d = probabilities[i] - labels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(labels.size());
}

}  // namespace streamtune
