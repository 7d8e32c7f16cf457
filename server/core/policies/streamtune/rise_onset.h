// The arrival rate after a rise that began inside the current metrics
// window (docs/algorithm.md §3.5, "Rise inside a window"). A window's rates
// are means over it, so the window that holds the start of a rate step reads
// between the old and the new level; sized on that mean, the first change
// is too small and a second one follows. The operator that saturated at the
// rise tells when in the window that happened: its busy time is the old
// level's before and full after, so its mean locates the onset, and the
// records that arrived after it give the new rate.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RISE_ONSET_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RISE_ONSET_H_

#include <string>
#include <vector>

#include "server/core/graph/job_graph.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

struct RiseOnset {
  // Per operator (indexed like the snapshot): records per second a source
  // receives above its window's mean arrival since the onset; 0 for every
  // other operator and for sources without one.
  std::vector<double> extra_arrival;
  // Per operator: what was found, for the source's reason ("" if nothing).
  std::vector<std::string> why;
};

// Finds, per source, a rise that began inside the window of the graph's
// snapshot: at `previous` (the snapshot before, same run, not the run's
// first window) the source had no backlog and no operator's busiest
// instance was saturated; now the source, itself not saturated, has a
// backlog of more than a second of its old input and some operator's
// busiest instance is busier than before. The onset is the earliest such
// saturation, the fraction of the window before it
//   f = (1000 − busy now) / (1000 − busy before),
// and the rate after it (window mean − old rate · f) / (1 − f). Nothing is
// found when f > 0.75: a few seconds after the onset say too little.
RiseOnset FindRiseOnset(const JobGraph& graph, const v1::Snapshot* previous);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_RISE_ONSET_H_
