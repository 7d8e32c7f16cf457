// The knobs of the StreamTune policy, with why each default is what it is.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_OPTIONS_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_OPTIONS_H_

#include <string>

#include "server/core/forecast/rate_forecaster.h"
#include "server/core/learning/fine_tuning.h"

namespace streamtune {

struct StreamTuneOptions {
  // The name clients select the policy by.
  std::string policy_name = "streamtune";
  // Largest P(bottleneck) a recommended parallelism may have.
  double theta = 0.3;
  // Normalised GED beyond which a job is "far from every medoid" and the
  // global model serves it.
  double max_cluster_distance = 0.35;
  // Scale-downs need a saving of at least max(2, this share of the total)
  // and the job running for scale_down_delay_s since its last restart.
  double min_saving_share = 0.10;
  double scale_down_delay_s = 300;
  // Fine-tuning on the job's own samples (0 steps disables it).
  int fine_tune_steps = 20;
  double fine_tune_l2_pull = 1e-2;
  int min_fine_tune_snapshots = 2;
  double catch_up_s = 300;
  // The model may recommend at most this factor above max(linear bound,
  // running parallelism) in one decision.
  double trust_region_factor = 1.5;
  // Sizing aims at this busy fraction of the capacity at the target rate:
  // the headroom that works off a restart's backlog (about 30 s of input)
  // within catch_up_s (a 30 s restart needs 1 + 30/300 = 1.1) plus metric
  // noise. Ops practice (the Flink autoscaler's default target utilisation
  // is 0.7); measured: 0.9 left scale-downs so tight that the restart's own
  // backlog made the operator a bottleneck again (one more restart).
  double target_utilisation = 0.85;
  // Restart downtime assumed until the job's history shows its own
  // (ObservedRestartSeconds); docs/simulator.md's default, and a typical Flink
  // restart of a small job.
  double assumed_restart_s = 30;
  // Size operators whose contention is known (observed at two or more
  // parallelisms) from their fitted capacity curve instead of the model.
  bool use_capacity_curves = true;

  // Forecast-aware planning (docs/algorithm.md §3.8); false: the reactive
  // policy of §3.6 (the ablation "streamtune-reactive").
  bool use_forecast = true;
  ForecastOptions forecast;
  // Longest horizon a plan looks ahead; shorter while the job's history
  // is (a forecast reaches no further ahead than the past it learnt from).
  // An hour is the span ops teams accept a configuration to hold (the Flink
  // autoscaler's default scale-down interval).
  double max_plan_horizon_s = 3600;
  // Fewest arrival points per source before a forecast is trusted;
  // with fewer the reactive rules decide.
  int min_forecast_points = 5;
};

// The fine-tuning the policy's options ask for (what the background worker
// runs for its requests).
inline FineTuneOptions FineTuneOptionsOf(const StreamTuneOptions& options) {
  FineTuneOptions out;
  out.steps = options.fine_tune_steps;
  out.l2_pull = options.fine_tune_l2_pull;
  out.min_labelled_snapshots = options.min_fine_tune_snapshots;
  out.catch_up_s = options.catch_up_s;
  return out;
}

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_STREAMTUNE_OPTIONS_H_
