// ContTune's Small phase for one operator (Lian et al., VLDB 2023, §5,
// Algorithm 2): conservative Bayesian optimisation over the job's own
// observations — a Gaussian process from parallelism to processing ability,
// the smallest parallelism it predicts to cover the target rate, and DS2's
// step where the GP has not been (docs/algorithm.md §4.3).
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_CBO_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_CBO_H_

#include <vector>

#include "server/core/graph/job_graph.h"
#include "server/core/policies/conttune/gaussian_process.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

struct CboOptions {
  // Scoring-function threshold α (paper §5.2, Algorithm 2): the GP's choice
  // is used only within α of an observed parallelism, DS2's otherwise. The
  // paper's headline configuration is "ContTune (α = 3)"; α = 0 makes it DS2
  // with a cache of observed parallelisms.
  int alpha = 3;
  // Feasibility test of the acquisition function: p is feasible when
  // μ(p) − β·σ(p) ≥ λ. The paper's Equation 5 uses the mean, I(μ(p) − λ)
  // ("Equation 5 uses only mean", §8.4), so β = 0; β > 0 uses the lower
  // confidence bound l(p) = μ − βσ it defines in §5.1.
  double beta = 0;
  // Top-K with mean reversion (paper §7): per operator and parallelism, the
  // mean of the K most recent processing abilities is one GP observation.
  // The paper leaves K open; its artifact's example (ljqcodelove/ContTune
  // README) keeps five per parallelism. Values below 1 act as 1.
  int top_k = 5;
  GaussianProcessOptions gp;
  // DS2's over-provisioning factor for the conservative exploration.
  double ds2_factor = 0;
};

// One operator's share of the paper's H_t: per observed parallelism
// (ascending), the mean of its K most recent processing abilities.
struct AbilityObservations {
  std::vector<int> parallelism;
  std::vector<double> ability;
  int observations = 0;  // processing abilities averaged into `ability`
};

// Per operator of `graph` (matched by id, so history from before a topology
// change still counts for the operators that survived it), from
// `newest_first` snapshots; processing ability = records_in / busy share.
std::vector<AbilityObservations> GatherAbilities(
    const JobGraph& graph, const std::vector<const v1::Snapshot*>& newest_first,
    int top_k);

// Algorithm 2 for one operator with target input rate `target`: p_acq = the
// smallest p in [1, min(max_parallelism, p_max)] whose GP prediction covers
// the target; taken when within α of an observed parallelism, else (and when
// no p qualifies or nothing was observed) DS2's step. `*by_gp` says whether
// the GP's choice stood. Thread-safe (a pure function).
v1::OperatorRecommendation CboStep(const v1::Operator& op, double target,
                                   const AbilityObservations& seen, int p_max,
                                   const CboOptions& options, bool* by_gp);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_CBO_H_
