#include "server/core/learning/training_samples.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/types/span.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/learning/features.h"

namespace streamtune {
namespace {

// One usable snapshot: its features, source targets and labels.
struct Labelled {
  const v1::StoredSnapshot* stored;
  GraphFeatures features;
  std::vector<double> source_targets;  // By operator index, sources only.
  std::vector<int> labels;             // 1, 0 or -1 per operator.
};

int LabelValue(v1::BottleneckLabel label) {
  switch (label) {
    case v1::BOTTLENECK_LABEL_BOTTLENECK:
      return 1;
    case v1::BOTTLENECK_LABEL_HEALTHY:
      return 0;
    default:
      return -1;
  }
}

bool SameDag(const v1::Snapshot& a, const v1::Snapshot& b) {
  if (a.operators_size() != b.operators_size()) return false;
  for (int i = 0; i < a.operators_size(); ++i) {
    if (a.operators(i).id() != b.operators(i).id()) return false;
  }
  return true;
}

bool SimilarWorkload(const Labelled& a, const Labelled& b, double tolerance) {
  for (size_t i = 0; i < a.source_targets.size(); ++i) {
    const double x = a.source_targets[i];
    const double y = b.source_targets[i];
    if (x < 0) continue;  // Not a source.
    const double scale = std::max(std::abs(x), std::abs(y));
    if (scale > 0 && std::abs(x - y) > tolerance * scale) return false;
  }
  return true;
}

}  // namespace

std::vector<TrainingSample> BuildTrainingSamples(
    const std::vector<v1::StoredSnapshot>& history, const SampleOptions& options) {
  std::vector<Labelled> usable;
  for (size_t i = 0; i < history.size(); ++i) {
    const v1::StoredSnapshot& stored = history[i];
    const v1::Snapshot& snapshot = stored.snapshot();
    if (Stabilising(snapshot)) continue;
    if (stored.labels_size() != snapshot.operators_size()) continue;
    const JobGraph graph(snapshot);
    const v1::Snapshot* previous =
        ComparablePrevious(snapshot, absl::MakeConstSpan(history.data(), i));
    Labelled entry{
        &stored, ExtractFeatures(graph, previous, options.catch_up_s), {}, {}};
    const std::vector<double> targets =
        TargetInputRates(graph, previous, RateEstimationOptions{options.catch_up_s});
    entry.source_targets.assign(graph.size(), -1);
    for (int v = 0; v < graph.size(); ++v) {
      if (graph.is_source(v)) entry.source_targets[v] = targets[v];
      entry.labels.push_back(LabelValue(stored.labels(v).label()));
    }
    usable.push_back(std::move(entry));
  }
  // Pairs nearest in time first, so the cap keeps the most comparable ones.
  std::vector<std::pair<size_t, size_t>> pairs;  // (A, B), both directions.
  for (size_t gap = 0; gap < usable.size(); ++gap) {
    for (size_t a = 0; a + gap < usable.size(); ++a) {
      pairs.emplace_back(a, a + gap);
      if (gap > 0) pairs.emplace_back(a + gap, a);
    }
  }
  std::vector<TrainingSample> samples;
  for (const auto& [a, b] : pairs) {
    if (static_cast<int>(samples.size()) >= options.max_pairs_per_job) break;
    const Labelled& from = usable[a];
    const Labelled& to = usable[b];
    if (!SameDag(from.stored->snapshot(), to.stored->snapshot())) continue;
    if (!SimilarWorkload(from, to, options.similar_rate)) continue;
    if (std::all_of(to.labels.begin(), to.labels.end(), [](int l) { return l < 0; })) {
      continue;
    }
    TrainingSample sample;
    sample.graph = from.features;
    for (const auto& op : to.stored->snapshot().operators()) {
      sample.query_parallelism.push_back(op.parallelism());
    }
    sample.labels = to.labels;
    sample.job_id = to.stored->snapshot().job_id();
    samples.push_back(std::move(sample));
  }
  return samples;
}

}  // namespace streamtune
