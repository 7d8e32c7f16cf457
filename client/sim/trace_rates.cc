#include "client/sim/trace_rates.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune::sim {

absl::StatusOr<std::vector<RateStep>> TraceWindowSteps(const RateTrace& trace,
                                                       int start, int points,
                                                       double weight) {
  const int size = static_cast<int>(trace.messages.size());
  if (points < 1 || start < 0 || start > size - points) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace ", trace.name, ": window of ", points, " points from ",
                     start, " does not fit its ", size,
                     " points (start must be in [0, ", size - points, "])"));
  }
  if (!(weight > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace ", trace.name, ": weight must be > 0, got ", weight));
  }
  const auto first = trace.messages.begin() + start;
  const double peak = *std::max_element(first, first + points);
  if (!(peak > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trace ", trace.name, ": the window from ", start, " has no rate above 0"));
  }
  std::vector<RateStep> steps;
  for (int k = 0; k < points; ++k) {
    const double rate = weight * first[k] / peak;
    steps.push_back(
        RateStep{k * kSecondsPerTracePoint, rate, k == 0 ? 0 : kSecondsPerTracePoint});
  }
  return steps;
}

absl::Status ApplyTraceFollows(const std::vector<TraceFollow>& follows, int points,
                               Workload* w) {
  std::set<std::string> sources;
  for (const OperatorSpec& op : w->operators) {
    if (op.kind == v1::OPERATOR_KIND_SOURCE) sources.insert(op.id);
  }
  std::set<std::string> followed;
  for (const TraceFollow& follow : follows) {
    if (sources.count(follow.source) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", follow.source, "\" is not a source of ", w->name));
    }
    if (!followed.insert(follow.source).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("source \"", follow.source, "\" follows two traces"));
    }
  }
  for (const std::string& id : sources) {
    if (followed.count(id) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("source \"", id, "\" follows no trace"));
    }
  }
  // Windows are all checked before anything changes.
  std::map<std::string, std::vector<RateStep>> traces;
  for (const TraceFollow& follow : follows) {
    STREAMTUNE_ASSIGN_OR_RETURN(
        traces[follow.source],
        TraceWindowSteps(follow.trace, follow.start, points, follow.weight));
  }
  w->sources = std::move(traces);
  w->duration_s = points * kSecondsPerTracePoint;
  return absl::OkStatus();
}

}  // namespace streamtune::sim
