#include "server/core/policies/streamtune/evidence.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune {
namespace {

void NoteBottleneck(int q, double processed, ParallelismBounds* bounds) {
  if (q + 1 > bounds->floor) {
    bounds->floor = q + 1;
    bounds->why =
        absl::StrFormat("bottleneck at p=%d processing %.0f rec/s", q, processed);
  }
}

void NoteHealthy(int q, double processed, ParallelismBounds* bounds) {
  if (q == bounds->cap) {
    bounds->cap_processed = std::max(bounds->cap_processed, processed);
  } else if (q < bounds->cap) {
    bounds->cap = q;
    bounds->cap_processed = processed;
    if (bounds->why.empty()) {
      bounds->why =
          absl::StrFormat("healthy at p=%d processing %.0f rec/s", q, processed);
    }
  }
}

// Evidence about an operator's limit needs the operator itself at its limit:
// a labelled operator throttled by another one (Timely queues, a shared
// component) processes what it is given, not what it can.
bool BusiestInstanceSaturated(const v1::Operator& op) {
  return op.metrics().has_busy_ms_per_s_max() &&
         op.metrics().busy_ms_per_s_max() >= kSaturatedBusiestMs;
}

}  // namespace

bool FellBehind(const v1::Operator& op, double target) {
  return op.metrics().records_in_per_s() < kKeptUpShare * target;
}

std::optional<double> ObservedRestartSeconds(const PolicyInput& input) {
  double total = 0;
  int restarts = 0;
  const v1::Snapshot* earlier = nullptr;
  auto visit = [&](const v1::Snapshot& later) {
    if (earlier != nullptr) {
      const double gap = SecondsBetween(*earlier, later);
      const double down = gap - later.seconds_since_restart();
      if (gap > 0 && down > 0) {
        total += down;
        ++restarts;
      }
    }
    earlier = &later;
  };
  for (const v1::StoredSnapshot& stored : input.history) visit(stored.snapshot());
  visit(input.graph.snapshot());
  if (restarts == 0) return std::nullopt;
  return total / restarts;
}

std::vector<ParallelismBounds> EvidenceBounds(const PolicyInput& input,
                                              const std::vector<double>& targets,
                                              double catch_up_s) {
  const JobGraph& graph = input.graph;
  std::vector<ParallelismBounds> bounds(graph.size());
  // The current snapshot's own labels.
  for (int v = 0; v < graph.size() && v < static_cast<int>(input.labels.size()); ++v) {
    if (input.labels[v].label() == v1::BOTTLENECK_LABEL_BOTTLENECK &&
        BusiestInstanceSaturated(graph.op(v)) && FellBehind(graph.op(v), targets[v])) {
      NoteBottleneck(graph.op(v).parallelism(),
                     graph.op(v).metrics().records_in_per_s(), &bounds[v]);
    }
  }
  // (parallelism, records processed per second) whenever saturated.
  std::vector<std::vector<std::pair<int, double>>> saturated(graph.size());
  for (int v = 0; v < graph.size() && v < static_cast<int>(input.labels.size()); ++v) {
    if (input.labels[v].label() == v1::BOTTLENECK_LABEL_BOTTLENECK &&
        BusiestInstanceSaturated(graph.op(v))) {
      saturated[v].emplace_back(graph.op(v).parallelism(),
                                graph.op(v).metrics().records_in_per_s());
    }
  }
  const RateEstimationOptions rates{catch_up_s};
  for (size_t h = 0; h < input.history.size(); ++h) {
    const v1::StoredSnapshot& stored = input.history[h];
    const v1::Snapshot& past = stored.snapshot();
    if (Stabilising(past) || !SameOperators(past, graph) ||
        stored.labels_size() != graph.size()) {
      continue;
    }
    const JobGraph past_graph(past);
    const v1::Snapshot* before = ComparablePrevious(past, input.history.subspan(0, h));
    const std::vector<double> past_targets =
        TargetInputRates(past_graph, before, rates);
    for (int v = 0; v < graph.size(); ++v) {
      const int q = past.operators(v).parallelism();
      const v1::BottleneckLabel label = stored.labels(v).label();
      const double processed = past.operators(v).metrics().records_in_per_s();
      if (label == v1::BOTTLENECK_LABEL_BOTTLENECK &&
          BusiestInstanceSaturated(past.operators(v))) {
        saturated[v].emplace_back(q, processed);
        // Saturated and behind its demand then, it processed what q
        // instances carry: today's target above that needs more than q.
        // Until 2026-12-07 the test was a demand then at least today's,
        // which proves nothing about today's: measured on Timely q3 at 6000
        // events/s, the join at 2 instances saturated while it worked off a
        // restart's backlog (a target of 196 rec/s with the catch-up), and
        // that floor asked 3 at every later decision, for the steady
        // 139-172 rec/s that 2 carried (DS2's 2 kept 100%).
        if (FellBehind(past.operators(v), past_targets[v]) &&
            FellBehind(past.operators(v), targets[v])) {
          NoteBottleneck(q, processed, &bounds[v]);
        }
      }
      if (label == v1::BOTTLENECK_LABEL_HEALTHY && processed >= targets[v] &&
          targets[v] > 0) {
        NoteHealthy(q, processed, &bounds[v]);
      }
    }
  }
  constexpr double kNoGain = 1.05;
  for (int v = 0; v < graph.size(); ++v) {
    for (const auto& [q1, r1] : saturated[v]) {
      for (const auto& [q2, r2] : saturated[v]) {
        if (q2 > q1 && r2 < kNoGain * r1 && q1 < bounds[v].no_gain_above) {
          bounds[v].no_gain_above = q1;
          bounds[v].why = absl::StrFormat(
              "no gain from %d to %d instances (%.0f vs %.0f rec/s)", q1, q2, r1, r2);
        }
      }
    }
  }
  return bounds;
}

}  // namespace streamtune
