#include "server/core/policies/streamtune/rise_onset.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_format.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/policies/streamtune/evidence.h"

namespace streamtune {
namespace {

// The busy time of an instance busy all the time.
constexpr double kFullBusyMs = 1000;
// Onsets later in the window than this leave too few seconds after them.
constexpr double kLatestOnset = 0.75;

// The busiest instance's busy time (the mean's where the engine reports no
// maximum).
std::optional<double> BusiestMs(const v1::OperatorMetrics& m) {
  if (m.has_busy_ms_per_s_max()) return m.busy_ms_per_s_max();
  if (m.has_busy_ms_per_s_avg()) return m.busy_ms_per_s_avg();
  return std::nullopt;
}

// The fraction of the window before the earliest saturation that began in
// it, or nullopt when no operator saturated during it or one was saturated
// already.
std::optional<double> OnsetFraction(const JobGraph& graph,
                                    const v1::Snapshot& previous) {
  std::optional<double> earliest;
  for (int v = 0; v < graph.size(); ++v) {
    if (graph.is_source(v)) continue;
    const v1::Operator* before = FindOperator(previous, graph.op(v).id());
    if (before == nullptr) continue;
    const std::optional<double> then = BusiestMs(before->metrics());
    const std::optional<double> now = BusiestMs(graph.op(v).metrics());
    if (!then.has_value() || !now.has_value()) continue;
    if (*then >= kSaturatedBusiestMs) return std::nullopt;  // Behind already.
    if (*now <= *then) continue;
    const double f = std::clamp((kFullBusyMs - *now) / (kFullBusyMs - *then), 0.0, 1.0);
    if (!earliest.has_value() || f < *earliest) earliest = f;
  }
  return earliest;
}

}  // namespace

RiseOnset FindRiseOnset(const JobGraph& graph, const v1::Snapshot* previous) {
  RiseOnset out;
  out.extra_arrival.assign(graph.size(), 0.0);
  out.why.assign(graph.size(), "");
  // The old level must be a steady one: a run's first window holds its
  // start-up. Measured on Timely at 6000 events/s: at a constant rate the
  // first 2-s window read 5,400 with every operator below 950 ms/s and the
  // second 7,800 more records behind, which passed for a rise in q1 and q5.
  if (previous == nullptr || FirstWindowOfRun(*previous)) return out;
  std::optional<double> fraction;  // Found once, for every source.
  bool fraction_known = false;
  for (int v = 0; v < graph.size(); ++v) {
    if (!graph.is_source(v)) continue;
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    const v1::Operator* before = FindOperator(*previous, graph.op(v).id());
    // Per second, nullopt without a backlog signal on both sides.
    const std::optional<double> growth =
        PendingGrowthPerSecond(graph.snapshot(), previous, v);
    if (before == nullptr || !growth.has_value()) continue;
    // A source that is itself saturated falls behind by its own reading:
    // the operators after it only slow down with it, and their busy times
    // say nothing about when.
    const std::optional<double> source_busy = BusiestMs(m);
    if (source_busy.has_value() && *source_busy >= kSaturatedBusiestMs) continue;
    // The old level: what the source read while it kept up.
    const double old_rate = before->metrics().records_in_per_s();
    if (old_rate <= 0 || before->metrics().pending_records() > old_rate) continue;
    // Less than a second of the old input gathered: no rise to speak of.
    if (*growth * SecondsBetween(*previous, graph.snapshot()) <= old_rate) continue;
    if (!fraction_known) {
      fraction = OnsetFraction(graph, *previous);
      fraction_known = true;
    }
    if (!fraction.has_value() || *fraction > kLatestOnset) continue;
    const double mean = m.records_in_per_s() + *growth;
    const double after = (mean - old_rate * *fraction) / (1 - *fraction);
    if (after <= mean) continue;
    out.extra_arrival[v] = after - mean;
    out.why[v] = absl::StrFormat(
        "rise inside the window: %.0f rec/s after its first %.0f%% (mean %.0f, "
        "%.0f before)",
        after, 100 * *fraction, mean, old_rate);
  }
  return out;
}

}  // namespace streamtune
