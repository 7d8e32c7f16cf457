#include "server/core/policies/streamtune/operator_sizing.h"

#include "gtest/gtest.h"

namespace streamtune {
namespace {

// A model that sees no bottleneck at any parallelism.
class NeverABottleneck : public BottleneckPredictor {
 public:
  double Probability(int, int) const override { return 0; }
};

TEST(OperatorSizerTest, KeepsAParallelismSeenHealthyAtTheDemand) {
  v1::Operator op;
  op.set_id("join");
  op.set_parallelism(2);
  op.set_max_parallelism(8);
  // The curve Timely q3's join had after a drain's imbalance: 2 instances
  // carry 144 rec/s, 3 carry 168, 4 carry 183.
  CapacityCurve curve;
  curve.base_rate = 100;
  curve.contention = 0.002;
  curve.hot_key_share = 0.39;
  curve.contention_known = true;
  curve.observed_parallelisms = 2;
  curve.largest_observed = 2;
  ParallelismBounds healthy_at_2;
  healthy_at_2.cap = 2;
  healthy_at_2.cap_processed = 163;
  const NeverABottleneck model;
  const CalibratedPredictor predictor(model, 0.5);
  const StreamTuneOptions options;
  const OperatorSizer sizer(op, 0, false, curve, predictor, healthy_at_2, 150, options);
  EXPECT_EQ(sizer.Sustaining(156), 2);  // The curve alone: 3.
  EXPECT_EQ(sizer.Sustaining(163), 2);
  EXPECT_EQ(sizer.Sustaining(170), 4);  // Beyond what 2 were seen to carry.

  const OperatorSizer without_evidence(op, 0, false, curve, predictor,
                                       ParallelismBounds{}, 150, options);
  EXPECT_EQ(without_evidence.Sustaining(156), 3);
}

}  // namespace
}  // namespace streamtune
