// How many instances one operator needs for a demand (docs/algorithm.md
// §3.5): the learned model's smallest parallelism below θ, the job's own
// capacity curve where it has shown its contention, the linear bound from
// its running rate, and the evidence of its history as bounds. The reactive
// policy asks at today's demand; the planner at every forecast step's.
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_OPERATOR_SIZING_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_OPERATOR_SIZING_H_

#include <optional>
#include <string>

#include "server/core/learning/bottleneck_model.h"
#include "server/core/policies/streamtune/capacity_curve.h"
#include "server/core/policies/streamtune/evidence.h"
#include "server/core/policies/streamtune/streamtune_options.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// The models are trained class-balanced (each class half of the loss), so
// their probabilities are calibrated to a 50% prior. This maps them back to
// the bottleneck share π the model was trained on (Bayes' rule on the odds),
// so θ keeps its meaning. Borrows `raw`; thread-compatible.
class CalibratedPredictor {
 public:
  CalibratedPredictor(const BottleneckPredictor& raw, double prior)
      : raw_(raw), odds_factor_(prior / (1 - prior)) {}
  double Probability(int node, int p) const;

 private:
  const BottleneckPredictor& raw_;
  double odds_factor_;
};

struct Sizing {
  int recommended = 0;
  std::string why;
};

// One operator's sizing at any demand. The model answers for the demand
// of the snapshot it saw (`reference_demand`); other demands scale its
// answer in proportion. Evidence bounds hold where their condition does:
// the floor (a bottleneck that processed less than the reference) at
// demands of at least the reference, the cap (enough seen at that rate) at
// demands of at most it, and in Sustaining up to what it processed.
// Borrows `op` and `predictor`; thread-compatible.
class OperatorSizer {
 public:
  OperatorSizer(const v1::Operator& op, int index, bool observed_bottleneck,
                std::optional<CapacityCurve> curve,
                const CalibratedPredictor& predictor, ParallelismBounds bounds,
                double reference_demand, const StreamTuneOptions& options);

  // The parallelism for `demand` before the evidence bounds, with why.
  Sizing Size(double demand) const;
  // Size(demand) within the evidence bounds and [1, max_parallelism].
  int Bounded(double demand) const;
  // The fewest instances that keep up with `demand` at full utilisation:
  // the capacity curve where contention is known, else the (skew-aware)
  // linear bound; never above a parallelism seen healthy processing at
  // least `demand` (ParallelismBounds::cap_processed), never below a
  // bottleneck that processed less than today's demand. What a running
  // configuration needs to be kept, not what a new one is sized to.
  int Sustaining(double demand) const;
  // Observed saturated and behind its demand now.
  bool observed_bottleneck() const { return observed_; }

  const v1::Operator& op() const { return op_; }
  const ParallelismBounds& bounds() const { return bounds_; }
  double reference_demand() const { return reference_demand_; }

 private:
  // The numbers behind a sizing, without its text.
  struct Choice {
    int recommended = 0;
    int by_model = 0;  // 0 when the model sees a bottleneck at every p.
    int linear = 0;
    int by_curve = 0;  // 0 unless the curve knows the contention.
  };
  Choice Choose(double demand) const;
  // Linear scaling from the running per-instance rate (skew-aware once the
  // capacity curve saw the busiest instance's share).
  int LinearBound(double demand) const;
  // The capacity curve has seen two or more parallelisms (and may be used).
  bool KnowsContention() const;

  const v1::Operator& op_;
  int index_;
  bool observed_;
  std::optional<CapacityCurve> curve_;
  ParallelismBounds bounds_;
  double reference_demand_;
  // At reference_demand; nullopt when the model sees a bottleneck at
  // every parallelism up to the maximum.
  std::optional<int> by_model_;
  const StreamTuneOptions& options_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_STREAMTUNE_OPERATOR_SIZING_H_
