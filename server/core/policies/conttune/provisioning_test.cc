#include "server/core/policies/conttune/provisioning.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using testing::AddEdge;
using testing::AddOperator;
using testing::EmptySnapshot;
using ::testing::HasSubstr;
using testing::SetLoad;

// source (p = 1) -> map (p = 4) -> sink (p = 1), reading `rate` rec/s with
// the map `map_busy` ms/s busy and the source backpressured `backpressure`
// ms/s with `pending` records behind.
v1::Snapshot Job(const std::string& id, int64_t t, double map_busy,
                 double backpressure = 0, double pending = 0) {
  v1::Snapshot s = EmptySnapshot(id, t);
  v1::Operator* source = AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1);
  SetLoad(source, 4000, 4000, 100);
  source->mutable_metrics()->set_backpressured_ms_per_s_max(backpressure);
  source->mutable_metrics()->set_pending_records(pending);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 4), 4000, 4000, map_busy);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 4000, 0, 100);
  AddEdge(&s, "source", "map");
  AddEdge(&s, "map", "sink");
  return s;
}

JobProvisioning Classify(const v1::Snapshot& now, const v1::Snapshot* previous) {
  return ClassifyProvisioning(JobGraph(now), previous, ProvisioningOptions());
}

TEST(ClassifyProvisioning, BackpressuredAndBusyIsUnderProvisioned) {
  const JobProvisioning p = Classify(Job("s", 1000, 1000, 500, 60000), nullptr);
  EXPECT_EQ(p.state, Provisioning::kUnder);
  EXPECT_EQ(p.why,
            "under-provisioned: source backpressured 500 ms/s; map busy 1000 ms/s");
}

TEST(ClassifyProvisioning, AGrowingBacklogIsBackpressure) {
  // 60000 -> 120000 records in 60 s: +1000 rec/s > 1% of 4000.
  const v1::Snapshot before = Job("a", 940, 1000, 0, 60000);
  const JobProvisioning p = Classify(Job("b", 1000, 1000, 0, 120000), &before);
  EXPECT_EQ(p.state, Provisioning::kUnder);
  EXPECT_THAT(p.why, HasSubstr("source's backlog grows 1000 rec/s"));
}

TEST(ClassifyProvisioning, CatchingUpIsNotUnderProvisioned) {
  // Backpressured and busy, but the backlog shrinks 1000 rec/s: the job
  // works off what a restart left behind.
  const v1::Snapshot before = Job("a", 940, 1000, 500, 120000);
  const JobProvisioning p = Classify(Job("b", 1000, 1000, 500, 60000), &before);
  EXPECT_EQ(p.state, Provisioning::kCatchingUp);
  EXPECT_EQ(p.why, "catching up: source's backlog shrinks 1000 rec/s (60 s left)");
}

TEST(ClassifyProvisioning, ABacklogDrainingTooSlowlyIsUnderProvisioned) {
  // 600000 -> 540000 in 60 s: 1000 rec/s, 540 s left > 300 s.
  const v1::Snapshot before = Job("a", 940, 1000, 500, 600000);
  const JobProvisioning p = Classify(Job("b", 1000, 1000, 500, 540000), &before);
  EXPECT_EQ(p.state, Provisioning::kUnder);
}

TEST(ClassifyProvisioning, AStuckResidualBacklogDoesNotHideCatchingUp) {
  // A second source keeps 4000 records behind without change.
  auto two = [](const std::string& id, int64_t t, double pending) {
    v1::Snapshot s = Job(id, t, 1000, 500, pending);
    v1::Operator* other = AddOperator(&s, "other", v1::OPERATOR_KIND_SOURCE, 1);
    SetLoad(other, 1000, 1000, 50);
    other->mutable_metrics()->set_pending_records(4000);
    AddEdge(&s, "other", "map");
    return s;
  };
  const v1::Snapshot before = two("a", 940, 120000);
  const JobProvisioning p = Classify(two("b", 1000, 60000), &before);
  EXPECT_EQ(p.state, Provisioning::kCatchingUp);
}

TEST(ClassifyProvisioning, BackpressureWithoutABusyOperatorIsNormal) {
  const JobProvisioning p = Classify(Job("s", 1000, 700, 500), nullptr);
  EXPECT_EQ(p.state, Provisioning::kNormal);
  EXPECT_THAT(p.why, HasSubstr("backpressure without a busy operator"));
}

TEST(ClassifyProvisioning, LowUtilisationWithoutBackpressureIsOverProvisioned) {
  // Non-source instances: (4 · 0.5 + 1 · 0.1) / 5 = 0.42 < 0.5.
  const JobProvisioning p = Classify(Job("s", 1000, 500), nullptr);
  EXPECT_EQ(p.state, Provisioning::kOver);
  EXPECT_EQ(p.why, "over-provisioned: utilisation 0.42 < 0.50, no backpressure");
}

TEST(ClassifyProvisioning, NormalUtilisationIsLeftAlone) {
  // (4 · 0.7 + 1 · 0.1) / 5 = 0.58 >= 0.5.
  const JobProvisioning p = Classify(Job("s", 1000, 700), nullptr);
  EXPECT_EQ(p.state, Provisioning::kNormal);
  EXPECT_EQ(p.why, "normal: utilisation 0.58 >= 0.50, no backpressure");
}

TEST(ClassifyProvisioning, AGrowingTimelyQueueIsBackpressure) {
  v1::Snapshot before = Job("a", 940, 950);
  v1::Snapshot now = Job("b", 1000, 950);
  for (v1::Snapshot* s : {&before, &now}) {
    s->set_semantics(v1::METRIC_SEMANTICS_TIMELY);
    for (auto& op : *s->mutable_operators()) {
      op.mutable_metrics()->clear_backpressured_ms_per_s_max();
    }
  }
  before.mutable_operators(1)->mutable_metrics()->set_queued_records(1000);
  now.mutable_operators(1)->mutable_metrics()->set_queued_records(5000);
  const JobProvisioning p = Classify(now, &before);
  EXPECT_EQ(p.state, Provisioning::kUnder);
  EXPECT_THAT(p.why, HasSubstr("map's queue grows"));
}

}  // namespace
}  // namespace streamtune
