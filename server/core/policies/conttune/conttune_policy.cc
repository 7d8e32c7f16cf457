#include "server/core/policies/conttune/conttune_policy.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/source_backlog.h"
#include "server/core/policies/ds2/ds2_step.h"

namespace streamtune {
namespace {

// Every Big phase answer's reason starts with this. The Small phase that
// follows a Big phase (Algorithm 1) recognises the lifted run by it: the
// server keeps no state, and a reason is the only record of the phase.
constexpr absl::string_view kBigPhase = "big phase";

// The snapshots ContTune learns from, newest first: the current one, then
// every history snapshot taken after its run had stabilised.
std::vector<const v1::Snapshot*> LearnableSnapshots(const PolicyInput& input) {
  std::vector<const v1::Snapshot*> out = {&input.graph.snapshot()};
  for (auto it = input.history.rbegin(); it != input.history.rend(); ++it) {
    const v1::Snapshot& s = it->snapshot();
    if (!Stabilising(s)) out.push_back(&s);
  }
  return out;
}

// p_max of the paper: the largest parallelism any operator ran at.
int LargestParallelism(const std::vector<const v1::Snapshot*>& snapshots) {
  int largest = 1;
  for (const v1::Snapshot* s : snapshots) {
    for (const auto& op : s->operators()) largest = std::max(largest, op.parallelism());
  }
  return largest;
}

// True when the running configuration is the one this policy's Big phase
// applied last: Algorithm 1 follows binary lifting with the Small phase,
// whatever the utilisation after it.
bool RunIsLifted(const PolicyInput& input, absl::string_view policy) {
  const JobGraph& graph = input.graph;
  for (auto it = input.past_recommendations.rbegin();
       it != input.past_recommendations.rend(); ++it) {
    if (!it->apply()) continue;
    if (it->policy() != policy || !absl::StartsWith(it->reason(), kBigPhase) ||
        it->operators_size() != graph.size()) {
      return false;
    }
    for (const auto& advice : it->operators()) {
      const int v = graph.IndexOf(advice.operator_id());
      if (v < 0 || graph.op(v).parallelism() != advice.recommended_parallelism()) {
        return false;
      }
    }
    return true;
  }
  return false;
}

// Algorithm 1, one iteration: every operator to p_max, or to 2 · p_max when
// every operator already runs at p_max (each clamped to its maximum). Not a
// DS2 step: it needs no rate estimate, only the end of backpressure, after
// which every operator's true rate can be observed.
v1::Recommendation BigPhase(const JobGraph& graph, int p_max, const std::string& why) {
  bool all_at_max = true;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    all_at_max &= op.parallelism() == std::min(p_max, op.max_parallelism());
  }
  const int64_t lifted = all_at_max ? int64_t{2} * p_max : p_max;
  const std::string rule =
      all_at_max
          ? absl::StrFormat("every operator already at p_max = %d: doubled to %d",
                            p_max, lifted)
          : absl::StrFormat(
                "lifted to p_max = %d, the largest parallelism this "
                "job ran at",
                p_max);
  v1::Recommendation answer;
  int changed = 0;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    v1::OperatorRecommendation* a = answer.add_operators();
    *a = KeepParallelism(op, absl::StrCat(kBigPhase, ": ", rule));
    a->set_recommended_parallelism(
        static_cast<int>(std::min<int64_t>(lifted, op.max_parallelism())));
    changed += a->recommended_parallelism() != op.parallelism();
  }
  answer.set_apply(changed > 0);
  answer.set_reason(
      absl::StrCat(kBigPhase, " (", why, "), binary lifting: ", rule,
                   changed > 0 ? absl::StrFormat("; %d operator(s) change", changed)
                               : "; every operator is at its max parallelism"));
  return answer;
}

// ContTune's decisionThr rule: apply only when the total parallelism moves
// by at least the ratio 1 + threshold, up or down.
void DecideByThreshold(double threshold, v1::Recommendation* answer, std::string* why) {
  int64_t current = 0;
  int64_t recommended = 0;
  int changed = 0;
  for (const auto& a : answer->operators()) {
    current += a.current_parallelism();
    recommended += a.recommended_parallelism();
    changed += a.current_parallelism() != a.recommended_parallelism();
  }
  const int64_t low = std::min(current, recommended);
  const int64_t high = std::max(current, recommended);
  answer->set_apply(changed > 0 && high >= (1 + threshold) * low - 1e-9);
  if (changed == 0) {
    absl::StrAppend(why, ": every operator is at its choice");
    return;
  }
  absl::StrAppend(
      why,
      absl::StrFormat(": total parallelism %d -> %d (%+.0f%%) %s the "
                      "decision threshold %.0f%%",
                      current, recommended, 100.0 * (recommended - current) / current,
                      answer->apply() ? "meets" : "is within", 100 * threshold));
  if (!answer->apply()) absl::StrAppend(why, ": skipped");
}

// Algorithm 2 for every operator, sized for its observed input rate: once
// the job is neither backpressured nor catching up, Algorithm 1 takes the
// observed rates as the real ones (λ_i ← λ̂_i), instead of DS2's
// propagation through observed selectivities, which the paper finds
// inaccurate for stateful operators.
v1::Recommendation SmallPhase(const PolicyInput& input, int p_max,
                              const std::string& why, const ContTuneOptions& options) {
  const JobGraph& graph = input.graph;
  const std::vector<AbilityObservations> seen =
      GatherAbilities(graph, LearnableSnapshots(input), std::max(1, options.cbo.top_k));
  v1::Recommendation answer;
  int by_gp_count = 0;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    bool by_gp = false;
    v1::OperatorRecommendation a = op.metrics().has_records_in_per_s()
                                       ? CboStep(op, op.metrics().records_in_per_s(),
                                                 seen[v], p_max, options.cbo, &by_gp)
                                       : KeepParallelism(op, "no input rate observed");
    a.set_reason(absl::StrCat("small phase: ", a.reason()));
    *answer.add_operators() = std::move(a);
    by_gp_count += by_gp;
  }
  std::string reason = absl::StrFormat(
      "small phase (%s), %d of %d operator(s) by the GP, the rest by "
      "DS2",
      why, by_gp_count, graph.size());
  DecideByThreshold(options.decision_threshold, &answer, &reason);
  answer.set_reason(reason);
  return answer;
}

v1::Recommendation LeaveAlone(const JobGraph& graph, const std::string& why) {
  v1::Recommendation answer = KeepEverything(graph.snapshot(), why);
  answer.set_reason(absl::StrCat(why, ": left alone"));
  return answer;
}

}  // namespace

absl::StatusOr<v1::Recommendation> ContTunePolicy::Recommend(
    const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  if (auto warming = WarmUpAnswer(graph.snapshot()); warming.has_value()) {
    return *std::move(warming);
  }
  v1::Recommendation answer = Phase(input);
  HoldScaleDownsWhileArrivalUnknown(graph, &answer);
  return answer;
}

v1::Recommendation ContTunePolicy::Phase(const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  const int p_max = LargestParallelism(LearnableSnapshots(input));
  const JobProvisioning job =
      ClassifyProvisioning(graph, input.previous, options_.provisioning);
  if (job.state == Provisioning::kUnder) return BigPhase(graph, p_max, job.why);
  if (job.state == Provisioning::kOver) {
    return SmallPhase(input, p_max, job.why, options_);
  }
  if (job.state == Provisioning::kNormal && RunIsLifted(input, name())) {
    return SmallPhase(input, p_max, absl::StrCat("after the big phase; ", job.why),
                      options_);
  }
  return LeaveAlone(graph, job.why);
}

}  // namespace streamtune
