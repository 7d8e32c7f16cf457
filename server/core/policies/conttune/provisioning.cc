#include "server/core/policies/conttune/provisioning.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/graph/rate_estimation.h"

namespace streamtune {
namespace {

// What one snapshot says about the job, as evidence strings.
struct Signals {
  std::vector<std::string> backpressure;  // the backpressure state's evidence
  std::vector<std::string> busy;          // saturated operators
  std::vector<std::string> draining;      // backlogs gone within catch_up_s
  int growing = 0;                        // sources whose backlog grows
  int lingering = 0;                      // sources whose backlog shrinks, too slowly
  std::optional<double> utilisation;      // mean busy share, non-source instances
};

void ReadSource(const JobGraph& graph, const v1::Snapshot* previous, int v,
                const ProvisioningOptions& options, Signals* s) {
  const v1::Operator& op = graph.op(v);
  const std::optional<double> growth =
      PendingGrowthPerSecond(graph.snapshot(), previous, v);
  if (!growth.has_value()) return;
  const double tolerance =
      options.backlog_trend_tolerance * std::max(op.metrics().records_in_per_s(), 1.0);
  if (*growth > tolerance) {
    ++s->growing;
    s->backpressure.push_back(
        absl::StrFormat("%s's backlog grows %.0f rec/s", op.id(), *growth));
  } else if (*growth < -tolerance) {
    const double seconds_left = op.metrics().pending_records() / -*growth;
    if (seconds_left > options.catch_up_s) {
      ++s->lingering;
      return;
    }
    s->draining.push_back(
        absl::StrFormat("%s's backlog shrinks %.0f rec/s (%.0f s left)", op.id(),
                        -*growth, seconds_left));
  }
}

Signals Read(const JobGraph& graph, const v1::Snapshot* previous,
             const ProvisioningOptions& options) {
  Signals s;
  double busy_ms = 0;
  int64_t instances = 0;
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    const v1::OperatorMetrics& m = op.metrics();
    if (m.backpressured_ms_per_s_max() >= options.backpressured_ms) {
      s.backpressure.push_back(absl::StrFormat("%s backpressured %.0f ms/s", op.id(),
                                               m.backpressured_ms_per_s_max()));
    }
    // Timely has no backpressure metric; a growing input queue is its sign
    // (read as the labels read it, §1).
    const std::optional<double> queue =
        QueueGrowthPerSecond(graph.snapshot(), previous, v);
    if ((queue.has_value() && *queue > 0) ||
        (previous == nullptr && m.queued_records() > 0)) {
      s.backpressure.push_back(absl::StrCat(op.id(), "'s queue grows"));
    }
    // The operator's CPU share, so its mean over instances: a hot key
    // saturates one instance, and more instances would not relieve it.
    if (m.has_busy_ms_per_s_avg() && m.busy_ms_per_s_avg() >= options.busy_ms) {
      s.busy.push_back(
          absl::StrFormat("%s busy %.0f ms/s", op.id(), m.busy_ms_per_s_avg()));
    }
    if (graph.is_source(v)) {
      ReadSource(graph, previous, v, options, &s);
    } else if (m.has_busy_ms_per_s_avg()) {
      busy_ms += m.busy_ms_per_s_avg() * op.parallelism();
      instances += op.parallelism();
    }
  }
  if (instances > 0) s.utilisation = busy_ms / (1000.0 * instances);
  return s;
}

JobProvisioning Classified(Provisioning state, std::string why) {
  JobProvisioning out;
  out.state = state;
  out.why = std::move(why);
  return out;
}

}  // namespace

JobProvisioning ClassifyProvisioning(const JobGraph& graph,
                                     const v1::Snapshot* previous,
                                     const ProvisioningOptions& options) {
  const Signals s = Read(graph, previous, options);
  const std::string backpressure = absl::StrJoin(s.backpressure, ", ");
  const std::string busy = absl::StrJoin(s.busy, ", ");
  if (!s.draining.empty() && s.growing == 0 && s.lingering == 0) {
    // Neither under-provisioned (it works its backlog off) nor measurable:
    // the operators' input rates include the backlog, not only the arrivals.
    return Classified(Provisioning::kCatchingUp,
                      absl::StrCat("catching up: ", absl::StrJoin(s.draining, ", ")));
  }
  if (!s.backpressure.empty() && !s.busy.empty()) {
    return Classified(Provisioning::kUnder,
                      absl::StrCat("under-provisioned: ", backpressure, "; ", busy));
  }
  if (!s.backpressure.empty()) {
    return Classified(
        Provisioning::kNormal,
        absl::StrCat("backpressure without a busy operator: ", backpressure));
  }
  if (!s.utilisation.has_value()) {
    return Classified(Provisioning::kNormal, "no busy time: utilisation unknown");
  }
  const std::string utilisation = absl::StrFormat(
      "utilisation %.2f %s %.2f, no backpressure", *s.utilisation,
      *s.utilisation < options.low_utilisation ? "<" : ">=", options.low_utilisation);
  return *s.utilisation < options.low_utilisation
             ? Classified(Provisioning::kOver,
                          absl::StrCat("over-provisioned: ", utilisation))
             : Classified(Provisioning::kNormal, absl::StrCat("normal: ", utilisation));
}

}  // namespace streamtune
