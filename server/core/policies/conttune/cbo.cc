#include "server/core/policies/conttune/cbo.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/policies/ds2/ds2_step.h"

namespace streamtune {

std::vector<AbilityObservations> GatherAbilities(
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
  std::vector<AbilityObservations> out(graph.size());
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

v1::OperatorRecommendation CboStep(const v1::Operator& op, double target,
                                   const AbilityObservations& seen, int p_max,
                                   const CboOptions& options, bool* by_gp) {
  *by_gp = false;
  auto fallback = [&](const std::string& why) {
    v1::OperatorRecommendation a = Ds2OperatorStep(op, target, options.ds2_factor);
    a.set_reason(absl::StrCat(why, "; DS2 fallback: ", a.reason()));
    return a;
  };
  if (seen.parallelism.empty()) return fallback("no processing-ability observation");
  const std::vector<double> xs(seen.parallelism.begin(), seen.parallelism.end());
  absl::StatusOr<GaussianProcess> gp =
      GaussianProcess::Fit(xs, seen.ability, options.gp);
  if (!gp.ok()) return fallback(std::string(gp.status().message()));
  const std::string fitted = absl::StrFormat(
      "GP on %d observation(s) at p = {%s} (length scale %g)", seen.observations,
      absl::StrJoin(seen.parallelism, ", "), gp->length_scale());
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
  int nearest = seen.parallelism.front();
  for (int p : seen.parallelism) {
    if (std::abs(chosen - p) < std::abs(chosen - nearest)) nearest = p;
  }
  const int distance = std::abs(chosen - nearest);
  const std::string acquired = absl::StrFormat(
      "%s: smallest p predicted to cover target %.0f rec/s is %d (ability %.0f ± %.0f "
      "rec/s, beta %g), %d from the nearest observed p = %d (alpha %d)",
      fitted, target, chosen, at.mean, at.sd, options.beta, distance, nearest,
      options.alpha);
  if (distance > options.alpha) return fallback(acquired + ": too far");
  v1::OperatorRecommendation a = KeepParallelism(op, acquired);
  a.set_recommended_parallelism(chosen);
  *by_gp = true;
  return a;
}

}  // namespace streamtune
