// Held-out quality of a probabilistic classifier: ROC-AUC and Brier score
// (docs/algorithm.md §2.6). Torch-free, so anything may report them.
#ifndef STREAMTUNE_SERVER_MODEL_METRICS_H_
#define STREAMTUNE_SERVER_MODEL_METRICS_H_

#include "absl/types/span.h"

namespace streamtune {

// Area under the ROC curve of `scores` for binary `labels` (1 positive,
// 0 negative): the probability that a random positive scores above a random
// negative, ties counting one half (Mann–Whitney U / (n_pos · n_neg)).
// NaN when the spans differ in length, a label is not 0/1, a score is NaN,
// or either class is absent.
double RocAuc(absl::Span<const double> scores, absl::Span<const int> labels);

// Mean of (probability − label)² over the examples; NaN when the spans are
// empty, differ in length, or a label is not 0/1.
double BrierScore(absl::Span<const double> probabilities, absl::Span<const int> labels);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_METRICS_H_
