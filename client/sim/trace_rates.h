// Source rates that replay a window of a real trace (rate_trace.h) with time
// compression: one trace point per simulated minute, linear ramps between
// points, as relative levels that rate_scaling.h then fits to the DAG. Used
// by the generator's trace family and `streamtune-workloads retrace`
// (docs/workloads.md). Pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_TRACE_RATES_H_
#define STREAMTUNE_CLIENT_SIM_TRACE_RATES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/sim/rate_trace.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

// Simulated seconds per trace point: a 1h trace's day passes in 24 minutes,
// a 5min trace's in 288.
inline constexpr int kSecondsPerTracePoint = 60;

// Points trace[start .. start+points-1] as a rate trace of `points` steps:
// point k at k·60 s, reached by a 60 s linear ramp from point k−1 (the first
// is a plain step at 0), so the rate never jumps and every 60 s brings the
// next point. Rates are relative: weight · messages / (the window's largest
// messages), in [0, weight] (ScaleRates lifts a 0 to 1 record/s).
// INVALID_ARGUMENT naming the trace when the
// window leaves the trace, points < 1, weight <= 0, or the window's largest
// value is 0.
absl::StatusOr<std::vector<RateStep>> TraceWindowSteps(const RateTrace& trace,
                                                       int start, int points,
                                                       double weight = 1);

// One source of a workload following a window of a trace.
struct TraceFollow {
  std::string source;  // A source operator's id.
  RateTrace trace;
  int start = 0;  // Index of the window's first point.
  double weight = 1;
};

// Replaces the traces of the sources named in `follows` with their windows of
// `points` points (TraceWindowSteps) and sets duration_s = points · 60. Every
// source of the workload must be followed exactly once. The rates stay
// relative: call ScaleRates (rate_scaling.h) next. INVALID_ARGUMENT naming the
// source or trace otherwise, and `workload` is left unchanged.
absl::Status ApplyTraceFollows(const std::vector<TraceFollow>& follows, int points,
                               Workload* workload);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_TRACE_RATES_H_
