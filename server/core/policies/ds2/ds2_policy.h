// DS2 (Kalavri et al., OSDI 2018) as a policy: one linear extrapolation step
// from each operator's true processing rate to its target input rate.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_POLICY_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_POLICY_H_

#include "server/core/graph/rate_estimation.h"
#include "server/core/policy.h"

namespace streamtune {

struct Ds2Options {
  // Deliberate over-provisioning: p* = ceil(λ / per-instance rate · (1 +
  // factor)). DS2's default is 0.
  double factor = 0;
  RateEstimationOptions rates;
};

// Per operator in topological order: p* = ceil(λ_v / (TPR_v / p_v) · (1 +
// factor)), TPR_v = records_in / (busy_avg / 1000), clamped to
// [1, max_parallelism]. Target rates λ propagate downstream through observed
// selectivities, which equals DS2's "true output rate × p*/p" before
// rounding (strymon-system/ds2 scaling.rs). Warm-up: no decision within one
// metrics window of a restart. No decision either while a source has a
// backlog and the run has no earlier snapshot: DS2 is given the true source
// rate, and without the backlog's growth the inferred one is biased low
// (docs/algorithm.md §4.1). A change whose only effect is scaling some
// operators down by one is not applied. Stateless and thread-safe.
class Ds2Policy : public Policy {
 public:
  explicit Ds2Policy(const Ds2Options& options = {}) : options_(options) {}
  absl::string_view name() const override { return "ds2"; }
  absl::StatusOr<v1::Recommendation> Recommend(const PolicyInput& input) const override;

 private:
  Ds2Options options_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_DS2_DS2_POLICY_H_
