// The arrival rate of every source over the job's stored history: what
// the sources were offered (read rate plus the growth of their backlog),
// not what they read, so a throttled or restarting job still shows its
// true input. The forecaster's raw material.
#ifndef STREAMTUNE_SERVER_CORE_FORECAST_ARRIVAL_SERIES_H_
#define STREAMTUNE_SERVER_CORE_FORECAST_ARRIVAL_SERIES_H_

#include <vector>

#include "absl/types/span.h"
#include "server/core/graph/job_graph.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// One observation: `rate` records/s arrived during the interval ending
// `t_s` seconds relative to the current snapshot (0 = now, negative = past).
struct TimedRate {
  double t_s = 0;
  double rate = 0;
};

// Per operator of `graph` (indexed like it; empty for non-sources), the
// arrival series oldest first, ending with the current snapshot's. A point
// is read + Δpending/Δt against the previous snapshot of the same run. The
// first window after a restart has none and is skipped (it read the
// downtime's backlog too); the oldest snapshot of the history counts
// without one only when its source has no backlog (then what was read is
// what arrived). Snapshots still stabilising after a restart and sources
// missing from a snapshot are skipped. Thread-safe.
std::vector<std::vector<TimedRate>> SourceArrivalSeries(
    const JobGraph& graph, absl::Span<const v1::StoredSnapshot> history);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_FORECAST_ARRIVAL_SERIES_H_
