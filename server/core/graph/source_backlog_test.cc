#include "server/core/graph/source_backlog.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// ValidChain with a source that reports no backlog and is backpressured.
v1::Snapshot ThrottledSourceWithoutSignal() {
  v1::Snapshot s = testing::ValidChain();
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->clear_pending_records();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  m->set_backpressured_ms_per_s_max(400);
  return s;
}

v1::OperatorRecommendation* Advise(v1::Recommendation* r, const std::string& id,
                                   int current, int recommended) {
  v1::OperatorRecommendation* op = r->add_operators();
  op->set_operator_id(id);
  op->set_current_parallelism(current);
  op->set_recommended_parallelism(recommended);
  return op;
}

TEST(KnownBacklog, MeasuredEstimatedOrUnknownButNeverAZeroForMissing) {
  v1::OperatorMetrics m;
  EXPECT_EQ(KnownBacklog(m), std::nullopt);
  m.set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  EXPECT_EQ(KnownBacklog(m), std::nullopt);
  m.set_backlog_signal(v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE);
  m.set_pending_records(1200);
  EXPECT_EQ(KnownBacklog(m), 1200);
  m.set_backlog_signal(v1::BACKLOG_SIGNAL_UNSPECIFIED);  // Older clients.
  m.set_pending_records(0);
  EXPECT_EQ(KnownBacklog(m), 0);
}

TEST(SourcesWithUnknownArrival, OnlyThrottledSourcesWithoutABacklog) {
  v1::Snapshot s = ThrottledSourceWithoutSignal();
  EXPECT_THAT(SourcesWithUnknownArrival(JobGraph(s)), ElementsAre(0));
  // Saturated instead of backpressured: the same doubt.
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->set_backpressured_ms_per_s_max(0);
  m->set_busy_ms_per_s_max(950);
  EXPECT_THAT(SourcesWithUnknownArrival(JobGraph(s)), ElementsAre(0));
  // Neither: it reads all that arrives.
  m->set_busy_ms_per_s_max(100);
  EXPECT_THAT(SourcesWithUnknownArrival(JobGraph(s)), IsEmpty());
  // Throttled, but the backlog is measured.
  m->set_backpressured_ms_per_s_max(400);
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  m->set_pending_records(10);
  EXPECT_THAT(SourcesWithUnknownArrival(JobGraph(s)), IsEmpty());
}

TEST(HoldScaleDownsWhileArrivalUnknown, KeepsRaisesAndHoldsScaleDowns) {
  const v1::Snapshot s = ThrottledSourceWithoutSignal();
  v1::Recommendation r;
  Advise(&r, "source", 1, 1);
  Advise(&r, "map", 2, 4);
  Advise(&r, "sink", 3, 1);
  r.set_apply(true);
  r.set_reason("2 operator(s) off their target rate");
  HoldScaleDownsWhileArrivalUnknown(JobGraph(s), &r);
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 4);
  EXPECT_EQ(r.operators(2).recommended_parallelism(), 3);
  EXPECT_THAT(r.operators(2).reason(), HasSubstr("scale-down held"));
  EXPECT_TRUE(r.apply());
  EXPECT_THAT(r.reason(), StartsWith("2 operator(s) off their target rate; arrival "
                                     "rate unknown: source source"));
}

TEST(HoldScaleDownsWhileArrivalUnknown, APureScaleDownIsNotApplied) {
  const v1::Snapshot s = ThrottledSourceWithoutSignal();
  v1::Recommendation r;
  Advise(&r, "source", 1, 1);
  Advise(&r, "map", 4, 2);
  Advise(&r, "sink", 1, 1);
  r.set_apply(true);
  HoldScaleDownsWhileArrivalUnknown(JobGraph(s), &r);
  EXPECT_FALSE(r.apply());
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 4);
  EXPECT_THAT(r.reason(), HasSubstr("nothing to raise"));
}

TEST(HoldScaleDownsWhileArrivalUnknown, ChangesNothingWhenArrivalIsKnown) {
  const v1::Snapshot s = testing::ValidChain();
  v1::Recommendation r;
  Advise(&r, "source", 1, 1);
  Advise(&r, "map", 4, 2);
  Advise(&r, "sink", 1, 1);
  r.set_apply(true);
  r.set_reason("saves 2");
  HoldScaleDownsWhileArrivalUnknown(JobGraph(s), &r);
  EXPECT_TRUE(r.apply());
  EXPECT_EQ(r.operators(1).recommended_parallelism(), 2);
  EXPECT_EQ(r.reason(), "saves 2");
}

}  // namespace
}  // namespace streamtune
