// DS2's building blocks (Kalavri et al., OSDI 2018), shared by the policies
// that take DS2 steps: DS2 itself, ContTune's Small-phase fallback and
// StreamTune's linear bound.
// The per-operator rule, the warm-up answer, and DS2's rule for whether a
// set of changes is worth a restart. Stateless functions; thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_STEP_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_STEP_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// Advice to keep `op` at its current parallelism, because of `why`.
v1::OperatorRecommendation KeepParallelism(const v1::Operator& op,
                                           absl::string_view why);

// DS2's advice for one operator with target input rate `target`:
// p* = ceil(target / (TPR / p) · (1 + factor)), TPR = records_in /
// (busy_avg / 1000), clamped to [1, max_parallelism]; the reason names the
// target and the per-instance rate. Keeps the current parallelism (and says
// why) when the true processing rate is unknown.
v1::OperatorRecommendation Ds2OperatorStep(const v1::Operator& op, double target,
                                           double factor);

// A complete answer keeping every operator of `snapshot`, because of `why`
// (the job's reason and every operator's).
v1::Recommendation KeepEverything(const v1::Snapshot& snapshot, absl::string_view why);

// A complete "keep everything" answer when `snapshot` is younger than one
// metrics window after a restart (its metrics still describe the restart),
// nullopt otherwise.
std::optional<v1::Recommendation> WarmUpAnswer(const v1::Snapshot& snapshot);

// Appends `advice` (one entry per operator, in order) to `answer` and sets
// its apply flag and reason by DS2's rule: apply when some operator changes,
// unless every change is a scale-down by one instance.
void DecideLikeDs2(std::vector<v1::OperatorRecommendation> advice,
                   v1::Recommendation* answer);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_STEP_H_
