#include "server/core/policies/ds2/ds2_step.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune {
namespace {

// Keeps the estimate from overflowing int when a metric is absurdly small.
int ClampParallelism(double wanted, int max_parallelism) {
  if (!(wanted >= 1)) return 1;
  if (wanted >= max_parallelism) return max_parallelism;
  return static_cast<int>(wanted);
}

}  // namespace

v1::OperatorRecommendation KeepParallelism(const v1::Operator& op,
                                           absl::string_view why) {
  v1::OperatorRecommendation out;
  out.set_operator_id(op.id());
  out.set_current_parallelism(op.parallelism());
  out.set_recommended_parallelism(op.parallelism());
  out.set_reason(std::string(why));
  return out;
}

v1::OperatorRecommendation Ds2OperatorStep(const v1::Operator& op, double target,
                                           double factor) {
  const std::optional<double> rate = TrueProcessingRate(op);
  if (!rate.has_value()) {
    return KeepParallelism(op,
                           target > 0 ? "no busy time or input observed" : "no input");
  }
  const double per_instance = *rate / op.parallelism();
  const double wanted = std::ceil(target / per_instance * (1 + factor));
  v1::OperatorRecommendation out = KeepParallelism(op, "");
  out.set_recommended_parallelism(ClampParallelism(wanted, op.max_parallelism()));
  out.set_reason(absl::StrFormat("target %.0f rec/s at %.0f rec/s per instance", target,
                                 per_instance));
  return out;
}

v1::Recommendation KeepEverything(const v1::Snapshot& snapshot, absl::string_view why) {
  v1::Recommendation answer;
  for (const auto& op : snapshot.operators()) {
    *answer.add_operators() = KeepParallelism(op, why);
  }
  answer.set_reason(std::string(why));
  return answer;
}

std::optional<v1::Recommendation> WarmUpAnswer(const v1::Snapshot& snapshot) {
  if (!Stabilising(snapshot)) return std::nullopt;
  v1::Recommendation answer;
  for (const auto& op : snapshot.operators()) {
    *answer.add_operators() = KeepParallelism(op, "warming up");
  }
  answer.set_reason(absl::StrFormat(
      "warming up: %.0f s since restart, less than one metrics window (%.0f s)",
      snapshot.seconds_since_restart(), snapshot.window_s()));
  return answer;
}

void DecideLikeDs2(std::vector<v1::OperatorRecommendation> advice,
                   v1::Recommendation* answer) {
  int changed = 0;
  int down_by_one = 0;
  for (const auto& a : advice) {
    const int delta = a.recommended_parallelism() - a.current_parallelism();
    changed += delta != 0;
    down_by_one += delta == -1;
  }
  for (auto& a : advice) *answer->add_operators() = std::move(a);
  answer->set_apply(false);
  if (changed == 0) {
    answer->set_reason("every operator already matches its target rate");
  } else if (changed == down_by_one) {
    answer->set_reason("only scale-downs by one instance: not worth a restart");
  } else {
    answer->set_apply(true);
    answer->set_reason(
        absl::StrFormat("%d operator(s) off their target rate", changed));
  }
}

}  // namespace streamtune
