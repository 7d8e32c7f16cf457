#include "server/core/ds2_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace streamtune {
namespace {

// Keeps the estimate from overflowing int when a metric is absurdly small.
int ClampParallelism(double wanted, int max_parallelism) {
  if (!(wanted >= 1)) return 1;
  if (wanted >= max_parallelism) return max_parallelism;
  return static_cast<int>(wanted);
}

v1::OperatorRecommendation Keep(const v1::Operator& op, absl::string_view why) {
  v1::OperatorRecommendation out;
  out.set_operator_id(op.id());
  out.set_current_parallelism(op.parallelism());
  out.set_recommended_parallelism(op.parallelism());
  out.set_reason(std::string(why));
  return out;
}

}  // namespace

absl::StatusOr<v1::Recommendation> Ds2Policy::Recommend(
    const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  const v1::Snapshot& snapshot = graph.snapshot();
  v1::Recommendation answer;
  if (snapshot.seconds_since_restart() < snapshot.window_s()) {
    for (const auto& op : snapshot.operators()) {
      *answer.add_operators() = Keep(op, "warming up");
    }
    answer.set_reason(absl::StrFormat(
        "warming up: %.0f s since restart, less than one metrics window (%.0f s)",
        snapshot.seconds_since_restart(), snapshot.window_s()));
    return answer;
  }
  const std::vector<double> target =
      TargetInputRates(graph, input.previous, options_.rates);
  std::vector<v1::OperatorRecommendation> advice(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    const std::optional<double> rate = TrueProcessingRate(op);
    if (!rate.has_value()) {
      advice[v] = Keep(op, target[v] > 0 ? "no busy time or input observed"
                                         : "no input");
      continue;
    }
    const double per_instance = *rate / op.parallelism();
    const double wanted = std::ceil(target[v] / per_instance * (1 + options_.factor));
    advice[v] = Keep(op, "");
    advice[v].set_recommended_parallelism(
        ClampParallelism(wanted, op.max_parallelism()));
    advice[v].set_reason(absl::StrFormat(
        "target %.0f rec/s at %.0f rec/s per instance", target[v], per_instance));
  }
  int changed = 0;
  int down_by_one = 0;
  for (const auto& a : advice) {
    const int delta = a.recommended_parallelism() - a.current_parallelism();
    changed += delta != 0;
    down_by_one += delta == -1;
  }
  for (auto& a : advice) *answer.add_operators() = std::move(a);
  if (changed == 0) {
    answer.set_reason("every operator already matches its target rate");
  } else if (changed == down_by_one) {
    answer.set_reason("only scale-downs by one instance: not worth a restart");
  } else {
    answer.set_apply(true);
    answer.set_reason(absl::StrFormat("%d operator(s) off their target rate", changed));
  }
  return answer;
}

}  // namespace streamtune
