// The per-workload plot of a benchmark as a self-contained SVG (no external
// fonts, scripts or styles), three panels over a shared time axis in
// minutes: source target rates; each policy's and the oracle's total
// parallelism; each policy's lag against the workload's lag SLO — what the
// parallelism bought. Pure functions over plain data: thread-safe.
#ifndef STREAMTUNE_BENCH_SVG_PLOT_H_
#define STREAMTUNE_BENCH_SVG_PLOT_H_

#include <string>
#include <vector>

#include "bench/bench_run.h"

namespace streamtune::bench {

// Renders the runs of one workload, one policy per run in the given order.
// The workload name, the rates R(t) and the lag SLO come from the first run,
// the oracle's series from the first run that has one. The lag axis is linear
// from 0; lags beyond 4 SLOs are clipped at its top (its title then says
// where), and without an SLO (lag_slo_s 0) no SLO line is drawn. Series are
// reduced to their change and corner points (and to at most a few points per
// pixel column), so a 3600 s run stays small. Every name is XML-escaped. The
// pointers are borrowed for the call; with no runs the SVG only says so.
std::string RenderWorkloadPlot(
    const std::vector<const BenchRun*>& runs_of_one_workload);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_SVG_PLOT_H_
