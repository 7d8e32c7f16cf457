// The exploration decider of history generation (docs/algorithm.md §2.1): a seeded
// Decider that moves a simulated job through configurations in which each of
// its operators is sometimes the bottleneck and sometimes healthy, while
// leaving every configuration in place long enough to be observed with
// labels.
//
// Scheme, at each decision point:
//  1. Hold while the snapshot is stabilising (seconds_since_restart <
//     window_s): the service would not label it, so every configuration is
//     kept until at least one labelled snapshot of it exists.
//  2. Otherwise keep the configuration with probability keep_probability, so
//     stable labelled snapshots at the same parallelism accumulate.
//  3. Otherwise centre on a DS2-like estimate p̂ (ds2_estimate.h, from the
//     snapshot's own metrics) and draw per-operator multipliers m
//     (log-uniform), p = clamp(round(p̂·m), 1, max_parallelism). The kind of
//     draw cycles through under_per_over UNDER draws, then one OVER draw:
//       UNDER: one "focus" operator (taken in turn from a seeded shuffled
//         cycle over the operators whose p̂ >= 2, so each gets its turn;
//         optionally a second one) at m in [min_multiplier, under_max] and
//         strictly below p̂, every other operator at m in [over_min,
//         max_multiplier]: the focus becomes the job's bottleneck (under the
//         engine's backpressure only the weakest operator saturates);
//       OVER: every operator at m in [over_min, max_multiplier], strictly
//         above p̂: the whole job is healthy;
//     and with probability random_probability a draw is RANDOM instead:
//     every operator at m in [min_multiplier, max_multiplier].
// An operator that one instance serves with room to spare at every rate of
// the run (p̂ = 1, typical for sinks) cannot be made a bottleneck by any
// parallelism; it is only ever seen healthy. Measured on 39 generated
// workloads (exploration_test.cc): 94% of the operators that need >= 3
// instances at some point are seen both saturated and not.
//
// Deterministic: the same seed and the same snapshots give the same answers.
#ifndef STREAMTUNE_CLIENT_HISTORY_EXPLORATION_H_
#define STREAMTUNE_CLIENT_HISTORY_EXPLORATION_H_

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "client/agent/agent_loop.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::history {

struct ExplorationOptions {
  uint64_t seed = 1;
  // Chance of keeping a configuration that has been observed with labels.
  double keep_probability = 0.35;
  // Chance that a new configuration is RANDOM rather than UNDER/OVER.
  double random_probability = 0.2;
  // UNDER draws per OVER draw. UNDER draws also give healthy labels (every
  // operator but the focus is over-provisioned), so they come more often.
  int under_per_over = 2;
  // Chance that an UNDER draw under-provisions a second operator too. Off by
  // default: under the engine's backpressure only the weakest operator of a
  // component saturates, so a second focus rarely adds a bottleneck label
  // (measured: fewer operators seen both ways than with one focus).
  double second_focus_probability = 0;
  double min_multiplier = 0.3;  // Multipliers span [min, max] overall.
  double max_multiplier = 3.0;
  double under_max = 0.8;   // Upper end of a focus operator's multiplier.
  double over_min = 1.25;   // Lower end of an over-provisioned multiplier.
  double catch_up_s = 300;  // For the DS2-like estimate.
};

// What the last call to Decide did (for tests and statistics).
enum class ExplorationMove { kHoldStabilising, kKeep, kUnder, kOver, kRandom };

// Not thread-safe: one job, one agent loop.
class Explorer {
 public:
  explicit Explorer(const ExplorationOptions& options);

  // The Decider contract (agent_loop.h): a new parallelism vector aligned with
  // snapshot.operators(), or nullopt to keep the configuration. Never fails
  // for a well-formed snapshot; INVALID_ARGUMENT for one without operators.
  absl::StatusOr<std::optional<std::vector<int>>> Decide(const v1::Snapshot& snapshot);

  ExplorationMove last_move() const { return last_move_; }

 private:
  double Uniform(double lo, double hi);
  double LogUniform(double lo, double hi);
  std::vector<int> NextFocus(int operators);

  ExplorationOptions options_;
  std::mt19937_64 random_;
  int draws_ = 0;                 // UNDER/OVER draws so far.
  std::vector<int> focus_cycle_;  // Shuffled operator indices.
  size_t focus_next_ = 0;
  std::optional<v1::Snapshot> previous_;  // For backlog growth.
  ExplorationMove last_move_ = ExplorationMove::kKeep;
};

// A Decider that owns an Explorer (copies of the Decider share it).
agent::Decider MakeExplorationDecider(const ExplorationOptions& options);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_EXPLORATION_H_
