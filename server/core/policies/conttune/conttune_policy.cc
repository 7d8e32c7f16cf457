#include "server/core/policies/conttune/conttune_policy.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/policies/ds2/ds2_step.h"

namespace streamtune {
namespace {

using BigPhase = ContTuneOptions::BigPhase;

// One operator's share of the paper's H_t: per observed parallelism
// (ascending), the mean of its K most recent processing abilities.
struct Evidence {
  std::vector<int> parallelism;
  std::vector<double> ability;
  int observations = 0;  // processing abilities averaged into `ability`
};

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

// Operators are matched by id, so history from before a topology change
// still counts for the operators that survived it.
std::vector<Evidence> GatherEvidence(
    const JobGraph& graph, const std::vector<const v1::Snapshot*>& newest_first,
    int top_k) {
  std::vector<std::map<int, std::vector<double>>> seen(graph.size());
  for (const v1::Snapshot* s : newest_first) {
    for (const auto& op : s->operators()) {
      const int v = graph.IndexOf(op.id());
      const std::optional<double> ability = TrueProcessingRate(op);
      if (v < 0 || !ability.has_value()) continue;
      std::vector<double>& recent = seen[v][op.parallelism()];
      if (static_cast<int>(recent.size()) < top_k) recent.push_back(*ability);
    }
  }
  std::vector<Evidence> out(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    for (const auto& [p, abilities] : seen[v]) {
      double sum = 0;
      for (double a : abilities) sum += a;
      out[v].parallelism.push_back(p);
      out[v].ability.push_back(sum / abilities.size());
      out[v].observations += static_cast<int>(abilities.size());
    }
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

// Why the job is under-provisioned; empty when it is not.
std::vector<std::string> UnderProvisioning(const PolicyInput& input, double tolerance) {
  const JobGraph& graph = input.graph;
  std::vector<v1::OperatorLabel> computed;
  absl::Span<const v1::OperatorLabel> labels = input.labels;
  if (static_cast<int>(labels.size()) != graph.size()) {
    computed = LabelBottlenecks(graph, input.previous);
    labels = computed;
  }
  std::vector<std::string> why;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    if (labels[v].label() == v1::BOTTLENECK_LABEL_BOTTLENECK) {
      why.push_back(absl::StrCat(op.id(), " is a bottleneck"));
      continue;
    }
    if (!graph.is_source(v)) continue;
    const std::optional<double> growth =
        PendingGrowthPerSecond(graph.snapshot(), input.previous, v);
    const double read = op.metrics().records_in_per_s();
    if (growth.has_value() && *growth > tolerance * std::max(read, 1.0)) {
      why.push_back(absl::StrFormat("%s's backlog grows %.0f rec/s", op.id(), *growth));
    }
  }
  return why;
}

std::vector<v1::OperatorRecommendation> BinaryLifting(const JobGraph& graph,
                                                      int p_max) {
  bool all_at_max = true;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    all_at_max &= op.parallelism() == std::min(p_max, op.max_parallelism());
  }
  const int64_t lifted = all_at_max ? int64_t{2} * p_max : p_max;
  std::vector<v1::OperatorRecommendation> advice;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    v1::OperatorRecommendation a = KeepParallelism(
        op, all_at_max
                ? absl::StrFormat("big phase: every operator already at p_max = %d, "
                                  "doubled to %d",
                                  p_max, lifted)
                : absl::StrFormat("big phase: lifted to p_max = %d, the largest "
                                  "parallelism this job ran at",
                                  p_max));
    a.set_recommended_parallelism(
        static_cast<int>(std::min<int64_t>(lifted, op.max_parallelism())));
    advice.push_back(std::move(a));
  }
  return advice;
}

// Algorithm 2 for one operator; `by_gp` says whether the GP's choice stood.
v1::OperatorRecommendation SmallPhase(const v1::Operator& op, double target,
                                      const Evidence& evidence, int p_max,
                                      const ContTuneOptions& options, bool* by_gp) {
  *by_gp = false;
  auto fallback = [&](const std::string& why) {
    v1::OperatorRecommendation a = Ds2OperatorStep(op, target, options.ds2.factor);
    a.set_reason(absl::StrCat("small phase: ", why, "; DS2 fallback: ", a.reason()));
    return a;
  };
  if (evidence.parallelism.empty()) {
    return fallback("no processing-ability observation");
  }
  const std::vector<double> xs(evidence.parallelism.begin(),
                               evidence.parallelism.end());
  absl::StatusOr<GaussianProcess> gp =
      GaussianProcess::Fit(xs, evidence.ability, options.gp);
  if (!gp.ok()) return fallback(std::string(gp.status().message()));
  const std::string fitted = absl::StrFormat(
      "GP on %d observation(s) at p = {%s} (length scale %g)", evidence.observations,
      absl::StrJoin(evidence.parallelism, ", "), gp->length_scale());
  const int bound = std::min(op.max_parallelism(), p_max);
  int chosen = 0;
  GaussianProcess::Prediction at;
  for (int p = 1; p <= bound && chosen == 0; ++p) {
    at = gp->Predict(p);
    if (at.mean - options.beta * at.sd >= target) chosen = p;
  }
  if (chosen == 0) {
    return fallback(absl::StrFormat("%s predicts no p <= %d covering target %.0f rec/s",
                                    fitted, bound, target));
  }
  int nearest = evidence.parallelism.front();
  for (int p : evidence.parallelism) {
    if (std::abs(chosen - p) < std::abs(chosen - nearest)) nearest = p;
  }
  const int distance = std::abs(chosen - nearest);
  const std::string acquired = absl::StrFormat(
      "%s: smallest p predicted to cover target %.0f rec/s is %d (ability %.0f ± %.0f "
      "rec/s, beta %g), %d from the nearest observed p = %d (alpha %d)",
      fitted, target, chosen, at.mean, at.sd, options.beta, distance, nearest,
      options.alpha);
  if (distance > options.alpha) return fallback(acquired + ": too far");
  v1::OperatorRecommendation a =
      KeepParallelism(op, absl::StrCat("small phase: ", acquired));
  a.set_recommended_parallelism(chosen);
  *by_gp = true;
  return a;
}

}  // namespace

absl::StatusOr<v1::Recommendation> ContTunePolicy::Recommend(
    const PolicyInput& input) const {
  const JobGraph& graph = input.graph;
  if (auto warming = WarmUpAnswer(graph.snapshot()); warming.has_value()) {
    return *std::move(warming);
  }
  const std::vector<double> target =
      TargetInputRates(graph, input.previous, options_.ds2.rates);
  const std::vector<const v1::Snapshot*> learnable = LearnableSnapshots(input);
  const int p_max = LargestParallelism(learnable);
  const std::vector<std::string> under =
      UnderProvisioning(input, options_.backlog_growth_tolerance);
  std::vector<v1::OperatorRecommendation> advice;
  std::string phase;
  if (!under.empty()) {
    const bool lifting = options_.big_phase == BigPhase::kBinaryLifting;
    phase = absl::StrCat("big phase (", absl::StrJoin(under, "; "), "), ",
                         lifting ? "binary lifting" : "one DS2 step");
    if (lifting) {
      advice = BinaryLifting(graph, p_max);
    } else {
      for (int v = 0; v < graph.size(); ++v) {
        advice.push_back(Ds2OperatorStep(graph.op(v), target[v], options_.ds2.factor));
        advice.back().set_reason(
            absl::StrCat("big phase, DS2 step: ", advice.back().reason()));
      }
    }
  } else {
    const std::vector<Evidence> evidence =
        GatherEvidence(graph, learnable, std::max(1, options_.top_k));
    int by_gp_count = 0;
    for (int v = 0; v < graph.size(); ++v) {
      bool by_gp = false;
      advice.push_back(
          SmallPhase(graph.op(v), target[v], evidence[v], p_max, options_, &by_gp));
      by_gp_count += by_gp;
    }
    phase = absl::StrFormat(
        "small phase (not under-provisioned), %d of %d operator(s) by the GP, the "
        "rest by DS2",
        by_gp_count, graph.size());
  }
  v1::Recommendation answer;
  DecideLikeDs2(std::move(advice), &answer);
  answer.set_reason(absl::StrCat(phase, ": ", answer.reason()));
  return answer;
}

}  // namespace streamtune
