#include "server/core/policies/ds2/ds2_policy.h"

#include <utility>
#include <vector>

#include "server/core/policies/ds2/ds2_step.h"

namespace streamtune {

absl::StatusOr<v1::Recommendation> Ds2Policy::Recommend(
    const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  if (auto warming = WarmUpAnswer(graph.snapshot()); warming.has_value()) {
    return *std::move(warming);
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
  return answer;
}

}  // namespace streamtune
