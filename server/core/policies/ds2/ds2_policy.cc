#include "server/core/policies/ds2/ds2_policy.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/core/graph/source_backlog.h"
#include "server/core/policies/ds2/ds2_step.h"

namespace streamtune {
namespace {

// "Keep everything" when the sources' arrival rate cannot be inferred yet: a
// source has a backlog and this run has no earlier snapshot, so the growth of
// the backlog (arrival minus read rate) is unknown. DS2 itself is handed the
// true source rate; read rate + backlog / catch_up_s is all that is left
// without the growth, and it is biased low when the job starts throttled
// (the read rate is what the bottleneck lets through). One window later the
// growth is known (docs/algorithm.md §4.1).
std::optional<v1::Recommendation> WaitForBacklogGrowth(const PolicyInput& input) {
  if (input.previous != nullptr) return std::nullopt;
  const JobGraph& graph = input.graph;
  int source = -1;
  for (int v = 0; v < graph.size() && source < 0; ++v) {
    if (graph.is_source(v) && graph.op(v).metrics().pending_records() > 0) source = v;
  }
  if (source < 0) return std::nullopt;
  return KeepEverything(
      graph.snapshot(),
      absl::StrFormat("waiting one window for the backlog's growth: source %s has %.0f "
                      "pending records and this run has no earlier snapshot, so its "
                      "arrival rate is unknown",
                      graph.op(source).id(),
                      graph.op(source).metrics().pending_records()));
}

}  // namespace

absl::StatusOr<v1::Recommendation> Ds2Policy::Recommend(
    const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  if (auto warming = WarmUpAnswer(graph.snapshot()); warming.has_value()) {
    return *std::move(warming);
  }
  if (auto waiting = WaitForBacklogGrowth(input); waiting.has_value()) {
    return *std::move(waiting);
  }
  const std::vector<double> target =
      TargetInputRates(graph, input.previous, options_.rates);
  std::vector<v1::OperatorRecommendation> advice;
  advice.reserve(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    advice.push_back(Ds2OperatorStep(graph.op(v), target[v], options_.factor));
  }
  v1::Recommendation answer;
  DecideLikeDs2(std::move(advice), &answer);
  HoldScaleDownsWhileArrivalUnknown(graph, &answer);
  return answer;
}

}  // namespace streamtune
