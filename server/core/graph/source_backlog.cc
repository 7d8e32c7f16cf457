#include "server/core/graph/source_backlog.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace streamtune {

bool ReadRateIsOnlyALowerBound(const v1::OperatorMetrics& m,
                               const LabelOptions& options) {
  return !KnownBacklog(m).has_value() &&
         (m.backpressured_ms_per_s_max() >= options.backpressured_below_ms ||
          m.busy_ms_per_s_max() >= options.saturated_busy_ms);
}

std::optional<double> KnownBacklog(const v1::OperatorMetrics& metrics) {
  if (metrics.backlog_signal() == v1::BACKLOG_SIGNAL_NONE ||
      !metrics.has_pending_records()) {
    return std::nullopt;
  }
  return metrics.pending_records();
}

std::vector<int> SourcesWithUnknownArrival(const JobGraph& graph) {
  std::vector<int> out;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    if (graph.is_source(v) && ReadRateIsOnlyALowerBound(m)) {
      out.push_back(v);
    }
  }
  return out;
}

std::string DescribeUnknownArrival(const JobGraph& graph,
                                   const std::vector<int>& sources) {
  std::vector<std::string> parts;
  for (int v : sources) {
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    parts.push_back(absl::StrFormat(
        "source %s (no backlog signal, backpressured %.0f ms/s, busy %.0f ms/s)",
        graph.op(v).id(), m.backpressured_ms_per_s_max(), m.busy_ms_per_s_max()));
  }
  return absl::StrJoin(parts, ", ");
}

void HoldScaleDownsWhileArrivalUnknown(const JobGraph& graph,
                                       v1::Recommendation* answer) {
  const std::vector<int> sources = SourcesWithUnknownArrival(graph);
  if (sources.empty()) return;
  bool raises = false;
  bool held = false;
  for (v1::OperatorRecommendation& op : *answer->mutable_operators()) {
    if (op.recommended_parallelism() < op.current_parallelism()) {
      op.set_recommended_parallelism(op.current_parallelism());
      op.set_reason(absl::StrCat(op.reason(), "; scale-down held: arrival unknown"));
      held = true;
    }
    raises |= op.recommended_parallelism() > op.current_parallelism();
  }
  answer->set_apply(answer->apply() && raises);
  // Appended: policies recognise their own answers by the reason's start.
  answer->set_reason(absl::StrCat(
      answer->reason(),
      "; arrival rate unknown: ", DescribeUnknownArrival(graph, sources),
      " reads only a lower bound of what arrives, so the job may be falling behind",
      held ? "; scale-downs held" : "", raises ? "" : "; nothing to raise"));
}

}  // namespace streamtune
