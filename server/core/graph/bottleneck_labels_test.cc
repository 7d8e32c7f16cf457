#include "server/core/graph/bottleneck_labels.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;

std::vector<v1::BottleneckLabel> Labels(const v1::Snapshot& s,
                                        const v1::Snapshot* previous) {
  const JobGraph graph(s);
  std::vector<v1::BottleneckLabel> out;
  for (const auto& l : LabelBottlenecks(graph, previous)) out.push_back(l.label());
  return out;
}

// Labels of `now` judged against the two snapshots before it.
std::vector<v1::BottleneckLabel> Labels(const v1::Snapshot& now,
                                        const v1::Snapshot& previous,
                                        const v1::Snapshot& before_previous) {
  std::vector<v1::BottleneckLabel> out;
  for (const auto& l : LabelBottlenecks(JobGraph(now), &previous, &before_previous)) {
    out.push_back(l.label());
  }
  return out;
}

constexpr auto kBottleneck = v1::BOTTLENECK_LABEL_BOTTLENECK;
constexpr auto kHealthy = v1::BOTTLENECK_LABEL_HEALTHY;
constexpr auto kUndecided = v1::BOTTLENECK_LABEL_UNDECIDED;

TEST(LabelBottlenecks, SaturatedAndNotBackpressuredIsABottleneck) {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(950);
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kHealthy, kBottleneck, kHealthy));
}

TEST(LabelBottlenecks, SaturatedButBackpressuredIsUndecided) {
  v1::Snapshot s = testing::ValidChain();
  auto* m = s.mutable_operators(1)->mutable_metrics();
  m->set_busy_ms_per_s_max(950);
  m->set_backpressured_ms_per_s_max(300);
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kHealthy, kUndecided, kHealthy));
}

TEST(LabelBottlenecks, SourceWithGrowingBacklogWhileBusy) {
  v1::Snapshot before = testing::ValidChain("a", 940);
  v1::Snapshot now = testing::ValidChain("b", 1000);
  auto* m = now.mutable_operators(0)->mutable_metrics();
  m->set_pending_records(5000);
  m->set_busy_ms_per_s_max(990);
  m->set_backpressured_ms_per_s_max(500);  // Backpressure alone would not do.
  EXPECT_THAT(Labels(now, &before), ElementsAre(kBottleneck, kHealthy, kHealthy));
  // An idle source whose backlog grows (throttled from downstream) is not
  // itself the bottleneck, and not healthy either.
  m->set_busy_ms_per_s_max(100);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kUndecided, kHealthy, kHealthy));
}

TEST(LabelBottlenecks, BackpressuredSourceWithoutBacklogSignalIsNotHealthy) {
  v1::Snapshot s = testing::ValidChain();
  auto* m = s.mutable_operators(0)->mutable_metrics();
  m->clear_pending_records();
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_NONE);
  m->set_backpressured_ms_per_s_max(400);
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kUndecided, kHealthy, kHealthy));
  // Not throttled: it reads whatever arrives, so no backlog can build up.
  m->set_backpressured_ms_per_s_max(0);
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kHealthy, kHealthy, kHealthy));
  // The same backpressure with a measured, steady backlog is healthy.
  m->set_backpressured_ms_per_s_max(400);
  m->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  m->set_pending_records(0);
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kHealthy, kHealthy, kHealthy));
}

TEST(LabelBottlenecks, EverythingIsStabilisingRightAfterARestart) {
  v1::Snapshot s = testing::ValidChain();
  s.set_seconds_since_restart(59);
  const auto stabilising = v1::BOTTLENECK_LABEL_STABILISING;
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(stabilising, stabilising, stabilising));
}

// ValidChain reported by Timely, with `queued` records queued at the map.
v1::Snapshot TimelyChain(const std::string& id, int64_t at, double queued) {
  v1::Snapshot s = testing::ValidChain(id, at);
  s.set_semantics(v1::METRIC_SEMANTICS_TIMELY);
  s.mutable_operators(1)->mutable_metrics()->set_queued_records(queued);
  return s;
}

TEST(LabelBottlenecks, TimelyQueuesAndBusyTime) {
  // The map takes in 1000 rec/s at 800 ms/s: 250 rec/s spare.
  const v1::Snapshot before = TimelyChain("a", 998, 0);
  v1::Snapshot now = TimelyChain("b", 1000, 1000);  // Grows 500 rec/s.
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(800);
  now.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(900);
  // A queue that grew past the spare, and a saturated operator without one
  // while the source falls behind (its backlog grew 500 rec/s to 1,000).
  now.mutable_operators(0)->mutable_metrics()->set_pending_records(1000);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kBottleneck));
  // With nothing of this run to compare with, the queue's trend is unknown.
  EXPECT_THAT(Labels(now, nullptr), ElementsAre(kHealthy, kUndecided, kBottleneck));
}

TEST(LabelBottlenecks, TimelySaturationTheJobAbsorbsIsNoBottleneck) {
  // The map saturated with a steady 10-record queue while the source reads
  // all 1,000 rec/s that arrive with nothing behind: at its edge, keeping up.
  const v1::Snapshot earlier = TimelyChain("a", 996, 10);
  v1::Snapshot before = TimelyChain("b", 998, 10);
  v1::Snapshot now = TimelyChain("c", 1000, 10);
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(989);
  // Sets operator `v`'s backlog (the source) or queue (the map) in `before`
  // and `now`.
  auto set = [&](int v, double in_before, double in_now) {
    auto* b = before.mutable_operators(v)->mutable_metrics();
    auto* n = now.mutable_operators(v)->mutable_metrics();
    if (v == 0) {
      b->set_pending_records(in_before);
      n->set_pending_records(in_now);
    } else {
      b->set_queued_records(in_before);
      n->set_queued_records(in_now);
    }
  };
  EXPECT_THAT(Labels(now, before, earlier),
              ElementsAre(kHealthy, kUndecided, kHealthy));
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kUndecided, kHealthy));
  // Its queue growing 45 rec/s, past the 11 rec/s it has spare, to 100
  // records after a steady interval (a window firing): still absorbed.
  set(1, 10, 100);
  EXPECT_THAT(Labels(now, before, earlier),
              ElementsAre(kHealthy, kUndecided, kHealthy));
  // Growing over the interval before too, or with that interval unknown:
  // no burst.
  set(1, 40, 100);
  EXPECT_THAT(Labels(now, before, earlier),
              ElementsAre(kHealthy, kBottleneck, kHealthy));
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  set(1, 10, 10);
  // The source holding more than a second of arrival: not absorbed.
  set(0, 1500, 1500);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // Under a second behind but falling behind (the backlog grew 100 rec/s,
  // the source read 1,000 of 1,100): not absorbed.
  set(0, 400, 600);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // The map's own queue holding more than a second of its input: not absorbed.
  set(0, 0, 0);
  set(1, 1500, 1500);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // A source without a backlog signal: whether the job keeps up is unknown.
  set(1, 10, 10);
  now.mutable_operators(0)->mutable_metrics()->clear_pending_records();
  now.mutable_operators(0)->mutable_metrics()->set_backlog_signal(
      v1::BACKLOG_SIGNAL_NONE);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
}

TEST(LabelBottlenecks, TimelyQueueGrowingWithinTheSpareCapacityIsNoBottleneck) {
  // A sink at 50 ms/s whose queue grows 100 rec/s behind a burst: it could
  // take in 19,000 rec/s more, so its capacity is not what holds the queue.
  // (The queues hold more than a second of input, so the job does not
  // absorb them: TimelySaturationTheJobAbsorbsIsNoBottleneck.)
  const v1::Snapshot before = TimelyChain("a", 998, 1000);
  v1::Snapshot now = TimelyChain("b", 1000, 1200);
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(50);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kUndecided, kHealthy));
  // At 850 ms/s (176 rec/s spare, not saturated) a queue growing 200 rec/s
  // is past its capacity.
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(850);
  now.mutable_operators(1)->mutable_metrics()->set_queued_records(1400);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  now.mutable_operators(1)->mutable_metrics()->set_queued_records(1300);  // 150/s
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kUndecided, kHealthy));
}

TEST(LabelBottlenecks, TimelyOperatorWorkingOffItsQueueKeepsUp) {
  // The map's queue holds more than a second of its input throughout, so
  // the job does not absorb it: the queue's trend decides.
  v1::Snapshot before = TimelyChain("a", 998, 2600);
  v1::Snapshot now = TimelyChain("b", 1000, 1100);
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(980);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kUndecided, kHealthy));
  // The same queue, steady: saturated and not catching up.
  before.mutable_operators(1)->mutable_metrics()->set_queued_records(1100);
  EXPECT_THAT(Labels(now, &before), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // Saturated with a queue and no earlier snapshot of the run: a bottleneck
  // (the policy waits one interval for the trend before acting on it).
  EXPECT_THAT(Labels(now, nullptr), ElementsAre(kHealthy, kBottleneck, kHealthy));
}

// TimelyChain with the source's backlog at `pending` and the map at 857
// ms/s; the source and the sink at 20 ms/s each, so worker 0, which all
// three share at parallelism 1, is busy 897 ms/s: short of saturated.
v1::Snapshot TimelyBacklog(const std::string& id, int64_t at, double pending) {
  v1::Snapshot s = TimelyChain(id, at, 0);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(pending);
  s.mutable_operators(0)->mutable_metrics()->set_busy_ms_per_s_max(20);
  s.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(857);
  s.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(20);
  return s;
}

TEST(LabelBottlenecks, TimelyJobFallingBehindNamesItsBusiestOperator) {
  // Operators sharing a worker: the map holds it at 857 ms/s, under the
  // saturation threshold, while the source's backlog grows 2,400 rec/s
  // over two intervals.
  const v1::Snapshot first = TimelyBacklog("a", 996, 0);
  const v1::Snapshot second = TimelyBacklog("b", 998, 4800);
  v1::Snapshot now = TimelyBacklog("c", 1000, 9600);
  EXPECT_THAT(Labels(now, second, first), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // With the sink the busiest, the sink is named.
  now.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(870);
  EXPECT_THAT(Labels(now, second, first), ElementsAre(kHealthy, kHealthy, kBottleneck));
  // An operator already labelled a bottleneck explains the backlog.
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(950);
  EXPECT_THAT(Labels(now, second, first), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // Flink reads backpressure instead: the rule is Timely's.
  now.set_semantics(v1::METRIC_SEMANTICS_FLINK);
  now.mutable_operators(1)->mutable_metrics()->set_busy_ms_per_s_max(857);
  EXPECT_THAT(Labels(now, second, first), ElementsAre(kUndecided, kHealthy, kHealthy));
}

TEST(LabelBottlenecks, TimelyBacklogGrowingOnceOrWithinNoiseNamesNobody) {
  const v1::Snapshot first = TimelyBacklog("a", 996, 0);
  const v1::Snapshot second = TimelyBacklog("b", 998, 4800);
  const v1::Snapshot now = TimelyBacklog("c", 1000, 9600);
  const auto all_healthy = ElementsAre(kHealthy, kHealthy, kHealthy);
  // A burst: grown over the last interval only.
  EXPECT_THAT(Labels(now, second, TimelyBacklog("a", 996, 4800)), all_healthy);
  // Within metric noise: 20 rec/s more on 1,000 read, twice.
  EXPECT_THAT(Labels(TimelyBacklog("c", 1000, 80), TimelyBacklog("b", 998, 40), first),
              all_healthy);
  // Growing past noise twice (100 rec/s on 1,000 read) but still under a
  // second of arrival: no lag a restart could shorten.
  EXPECT_THAT(
      Labels(TimelyBacklog("c", 1000, 400), TimelyBacklog("b", 998, 200), first),
      all_healthy);
  // Only one earlier snapshot of the run.
  EXPECT_THAT(Labels(now, &second), all_healthy);
  // A parallelism changed in place between the snapshots: the intervals
  // hold the change, not the configuration's own pace.
  v1::Snapshot rescaled = now;
  rescaled.mutable_operators(1)->set_parallelism(2);
  v1::Snapshot second_rescaled = second;
  second_rescaled.mutable_operators(1)->set_parallelism(2);
  EXPECT_THAT(Labels(rescaled, second_rescaled, first), all_healthy);
  // All three at the new parallelism: the job falls behind at it.
  v1::Snapshot first_rescaled = first;
  first_rescaled.mutable_operators(1)->set_parallelism(2);
  EXPECT_THAT(Labels(rescaled, second_rescaled, first_rescaled),
              ElementsAre(kHealthy, kBottleneck, kHealthy));
}

TEST(LabelBottlenecks,
     TimelyOperatorsSaturatingTheirSharedWorkerFallingBehindNameTheBusiest) {
  // Every operator at parallelism 1 shares worker 0: the source and the
  // sink at 100 ms/s each and the map at 857 make it 1,057 ms/s busy, and
  // the backlog grew 2,400 rec/s over one interval.
  const v1::Snapshot previous = TimelyBacklog("b", 998, 4800);
  v1::Snapshot now = TimelyBacklog("c", 1000, 9600);
  now.mutable_operators(0)->mutable_metrics()->set_busy_ms_per_s_max(100);
  now.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(100);
  EXPECT_THAT(Labels(now, &previous), ElementsAre(kHealthy, kBottleneck, kHealthy));
  // The backlog steady: the worker is full but keeps up.
  const v1::Snapshot steady = TimelyBacklog("b", 998, 9600);
  EXPECT_THAT(Labels(now, &steady), ElementsAre(kHealthy, kHealthy, kHealthy));
  // Short of saturated (the source and the sink at 20 ms/s: 897 in all).
  v1::Snapshot unsaturated = now;
  unsaturated.mutable_operators(0)->mutable_metrics()->set_busy_ms_per_s_max(20);
  unsaturated.mutable_operators(2)->mutable_metrics()->set_busy_ms_per_s_max(20);
  EXPECT_THAT(Labels(unsaturated, &previous),
              ElementsAre(kHealthy, kHealthy, kHealthy));
  // The sink at 2 instances: what worker 0 carries is no longer known.
  v1::Snapshot spread = now;
  spread.mutable_operators(2)->set_parallelism(2);
  v1::Snapshot previous_spread = previous;
  previous_spread.mutable_operators(2)->set_parallelism(2);
  EXPECT_THAT(Labels(spread, &previous_spread),
              ElementsAre(kHealthy, kHealthy, kHealthy));
  // Flink reads backpressure instead: the rule is Timely's.
  now.set_semantics(v1::METRIC_SEMANTICS_FLINK);
  EXPECT_THAT(Labels(now, &previous), ElementsAre(kUndecided, kHealthy, kHealthy));
}

TEST(LabelBottlenecks, MissingBusyTimeIsUndecided) {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(2)->mutable_metrics()->clear_busy_ms_per_s_max();
  EXPECT_THAT(Labels(s, nullptr), ElementsAre(kHealthy, kHealthy, kUndecided));
}

}  // namespace
}  // namespace streamtune
