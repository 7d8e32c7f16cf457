// What this job's own history proves about each operator (see
// docs/algorithm.md §3.5, "reconcile with evidence"): observed as a bottleneck at
// q (saturated, behind its demand then) processing less than the current
// demand → it needs more than q; observed healthy at q while actually
// processing at least the current demand → q is enough.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_EVIDENCE_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_EVIDENCE_H_

#include <limits>
#include <optional>
#include <vector>

#include "server/core/policy.h"

namespace streamtune {

// The busy time (ms/s) at which an operator's busiest instance counts as
// saturated: at its limit, not throttled by another operator.
inline constexpr double kSaturatedBusiestMs = 950;

struct ParallelismBounds {
  int floor = 1;  // Smallest parallelism the evidence allows.
  int cap = std::numeric_limits<int>::max();  // Largest one it asks for.
  // The most the operator processed while healthy at `cap`: `cap`
  // instances are proven to carry any demand up to it.
  double cap_processed = 0;
  // Diminishing returns: saturated at q1 < q2 and processing no more (within
  // 5%) at q2 than at q1 means scaling past q1 buys nothing (a hot key or
  // contention caps the operator); scale-ups stop at q1.
  int no_gain_above = std::numeric_limits<int>::max();
  // Why, for the reason string ("" when there is no evidence).
  std::string why;
};

// A saturated operator is only a bottleneck to fix when it processed less
// than its demand: a source reading a backlog at full speed, or an operator
// saturated exactly at its demand, keeps up (labels mark both saturated).
bool FellBehind(const v1::Operator& op, double target);

// Mean seconds a reconfiguration of this job kept it down: between a
// snapshot and the end of the restart that followed it (the next snapshot's
// time minus its seconds_since_restart), over the job's history and the
// current snapshot. nullopt when the history shows no restart.
std::optional<double> ObservedRestartSeconds(const PolicyInput& input);

// Bounds per operator of the current snapshot (indexed like it), from its
// own labels and every labelled snapshot in the history with the same
// operators. `targets` are the current target input rates. The diminishing
// returns cap wins over the bottleneck floor: more instances cannot help.
std::vector<ParallelismBounds> EvidenceBounds(const PolicyInput& input,
                                              const std::vector<double>& targets,
                                              double catch_up_s);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_EVIDENCE_H_
