#include "client/history/ds2_estimate.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

v1::Operator* AddOp(v1::Snapshot* s, const std::string& id, v1::OperatorKind kind,
                    int p, double in, double out, double busy_max) {
  v1::Operator* op = s->add_operators();
  op->set_id(id);
  op->set_kind(kind);
  op->set_parallelism(p);
  op->set_max_parallelism(16);
  op->mutable_metrics()->set_records_in_per_s(in);
  op->mutable_metrics()->set_records_out_per_s(out);
  op->mutable_metrics()->set_busy_ms_per_s_max(busy_max);
  return op;
}

// source (reads 1000/s, backlog 3000) -> map (s = 2, p = 2, half busy)
// -> sink (idle).
v1::Snapshot Chain(int t, double pending) {
  v1::Snapshot s;
  s.set_job_id("job");
  s.set_window_s(60);
  s.set_seconds_since_restart(t);
  s.mutable_observed_at()->set_seconds(t);
  AddOp(&s, "source", v1::OPERATOR_KIND_SOURCE, 1, 1000, 1000, 500)
      ->mutable_metrics()
      ->set_pending_records(pending);
  AddOp(&s, "map", v1::OPERATOR_KIND_MAP, 2, 1000, 2000, 500);
  AddOp(&s, "sink", v1::OPERATOR_KIND_SINK, 1, 2000, 0, 0);
  auto edge = [&](const char* from, const char* to) {
    v1::Edge* e = s.add_edges();
    e->set_from(from);
    e->set_to(to);
  };
  edge("map", "sink");  // Listed out of order on purpose.
  edge("source", "map");
  return s;
}

TEST(TargetInputRates, AddsBacklogGrowthAndCatchUpAndPropagatesSelectivity) {
  const v1::Snapshot before = Chain(60, 0);
  const v1::Snapshot now = Chain(120, 3000);
  // Source: 1000 read + 3000/60 growth + 3000/300 catch-up = 1060.
  EXPECT_THAT(TargetInputRates(now, &before),
              ElementsAre(DoubleNear(1060, 1e-9), DoubleNear(1060, 1e-9),
                          DoubleNear(2120, 1e-9)));
  // Without a comparable previous snapshot there is no growth term.
  EXPECT_THAT(TargetInputRates(now, nullptr),
              ElementsAre(DoubleNear(1010, 1e-9), DoubleNear(1010, 1e-9),
                          DoubleNear(2020, 1e-9)));
}

TEST(TargetInputRates, IgnoresGrowthAcrossARestart) {
  const v1::Snapshot before = Chain(60, 0);
  v1::Snapshot now = Chain(120, 3000);
  now.set_seconds_since_restart(30);
  EXPECT_THAT(TargetInputRates(now, &before)[0], DoubleNear(1010, 1e-9));
}

TEST(EstimateNeededParallelism, ExtrapolatesFromTheBusiestInstance) {
  const v1::Snapshot before = Chain(60, 0);
  const v1::Snapshot now = Chain(120, 3000);
  // Source: capacity 2000/s at p=1 -> 1 for 1060. Map: 2000/s at p=2, so
  // 1000 per instance -> 2 for 1060. Sink: idle, keeps p=1.
  EXPECT_THAT(EstimateNeededParallelism(now, &before), ElementsAre(1, 2, 1));
}

TEST(EstimateNeededParallelism, ClampsToMaxParallelism) {
  v1::Snapshot now = Chain(120, 3000000);  // A huge backlog: 10000/s catch-up.
  EXPECT_THAT(EstimateNeededParallelism(now, nullptr), ElementsAre(6, 11, 1));
  now.mutable_operators(1)->set_max_parallelism(4);
  EXPECT_EQ(EstimateNeededParallelism(now, nullptr)[1], 4);
}

}  // namespace
}  // namespace streamtune::history
