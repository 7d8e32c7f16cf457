// BuildTrainingSamples pairs a job's labelled snapshots at similar workloads:
// features of A, parallelism and labels of B.
#include "server/core/learning/training_samples.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;

constexpr v1::BottleneckLabel kHealthy = v1::BOTTLENECK_LABEL_HEALTHY;
constexpr v1::BottleneckLabel kBottleneck = v1::BOTTLENECK_LABEL_BOTTLENECK;
constexpr v1::BottleneckLabel kUndecided = v1::BOTTLENECK_LABEL_UNDECIDED;

// source -> map -> sink of one run, observed at `at` s, the source reading
// `rate` rec/s with no backlog, `map` at parallelism `map_p`, labelled
// (source, map, sink) = (healthy, `map_label`, healthy).
v1::StoredSnapshot Stored(const std::string& id, int64_t at, double rate, int map_p,
                          v1::BottleneckLabel map_label = kHealthy) {
  v1::StoredSnapshot stored;
  v1::Snapshot* s = stored.mutable_snapshot();
  *s = testing::ValidChain(id, at);
  s->mutable_operators(0)->mutable_metrics()->set_records_in_per_s(rate);
  s->mutable_operators(0)->mutable_metrics()->set_records_out_per_s(rate);
  s->mutable_operators(1)->set_parallelism(map_p);
  for (int i = 0; i < s->operators_size(); ++i) {
    v1::OperatorLabel* label = stored.add_labels();
    label->set_operator_id(s->operators(i).id());
    label->set_label(i == 1 ? map_label : kHealthy);
  }
  return stored;
}

void LabelAll(v1::StoredSnapshot* stored, v1::BottleneckLabel label) {
  for (auto& l : *stored->mutable_labels()) l.set_label(label);
}

TEST(BuildTrainingSamples, PairsEachSnapshotWithItselfAndSimilarOnesNearestFirst) {
  const std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                                   Stored("b", 1060, 1050, 2)};
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  // (A, B) = (a, a), (b, b), (a, b), (b, a).
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_THAT(samples[0].query_parallelism, ElementsAre(1, 1, 1));
  EXPECT_THAT(samples[1].query_parallelism, ElementsAre(1, 2, 1));
  EXPECT_THAT(samples[2].query_parallelism, ElementsAre(1, 2, 1));
  EXPECT_THAT(samples[3].query_parallelism, ElementsAre(1, 1, 1));
  for (const TrainingSample& sample : samples) {
    EXPECT_EQ(sample.job_id, "job");
    EXPECT_EQ(sample.graph.num_nodes, 3);
  }
}

TEST(BuildTrainingSamples, TakesFeaturesFromAAndLabelsAndQueryParallelismFromB) {
  const std::vector<v1::StoredSnapshot> history = {
      Stored("a", 1000, 1000, 1, kBottleneck), Stored("b", 1060, 1000, 3, kHealthy)};
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  ASSERT_EQ(samples.size(), 4u);
  const TrainingSample& a_to_b = samples[2];
  const TrainingSample& b_to_a = samples[3];
  EXPECT_THAT(a_to_b.query_parallelism, ElementsAre(1, 3, 1));
  EXPECT_THAT(a_to_b.labels, ElementsAre(0, 0, 0));
  EXPECT_THAT(b_to_a.query_parallelism, ElementsAre(1, 1, 1));
  EXPECT_THAT(b_to_a.labels, ElementsAre(0, 1, 0));
  // The features are A's: those of the self-pairs (a, a) and (b, b).
  ASSERT_NE(samples[0].graph.node_features, samples[1].graph.node_features);
  EXPECT_EQ(a_to_b.graph.node_features, samples[0].graph.node_features);
  EXPECT_EQ(b_to_a.graph.node_features, samples[1].graph.node_features);
}

TEST(BuildTrainingSamples, PairsOnlySnapshotsWithinTenPercentSourceRate) {
  // 1090 is within 10% of 1000 (of the larger rate); 1250 is not of either.
  const std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                                   Stored("b", 1060, 1090, 2),
                                                   Stored("c", 1120, 1250, 3)};
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  // Self pairs of a, b, c plus (a, b) and (b, a).
  ASSERT_EQ(samples.size(), 5u);
  int with_c = 0;
  for (size_t i = 3; i < samples.size(); ++i) {
    if (samples[i].query_parallelism[1] == 3) ++with_c;
  }
  EXPECT_EQ(with_c, 0);
  SampleOptions loose;
  loose.similar_rate = 0.25;
  EXPECT_EQ(BuildTrainingSamples(history, loose).size(), 9u);
}

TEST(BuildTrainingSamples, ExcludesSnapshotsTakenWhileStabilising) {
  std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                             Stored("b", 1060, 1000, 5),
                                             Stored("c", 1120, 1000, 2)};
  history[1].mutable_snapshot()->set_seconds_since_restart(30);  // < 60 s window.
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  ASSERT_EQ(samples.size(), 4u);  // a and c only.
  for (const TrainingSample& sample : samples) {
    EXPECT_NE(sample.query_parallelism[1], 5);
  }
}

TEST(BuildTrainingSamples, RespectsMaxPairsPerJobKeepingTheNearestInTime) {
  const std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                                   Stored("b", 1060, 1000, 2),
                                                   Stored("c", 1120, 1000, 3)};
  EXPECT_EQ(BuildTrainingSamples(history).size(), 9u);
  SampleOptions capped;
  capped.max_pairs_per_job = 4;
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history, capped);
  ASSERT_EQ(samples.size(), 4u);
  // The three self pairs, then (a, b): the nearest pair in time.
  EXPECT_EQ(samples[3].query_parallelism[1], 2);
  EXPECT_EQ(samples[3].graph.node_features, samples[0].graph.node_features);
}

TEST(BuildTrainingSamples, AnAllUndecidedSnapshotServesOnlyAsA) {
  std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                             Stored("b", 1060, 1000, 2)};
  LabelAll(&history[1], kUndecided);
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  // (a, a) and (b, a); nothing has b as its target.
  ASSERT_EQ(samples.size(), 2u);
  for (const TrainingSample& sample : samples) {
    EXPECT_THAT(sample.query_parallelism, ElementsAre(1, 1, 1));
    EXPECT_THAT(sample.labels, ElementsAre(0, 0, 0));
  }
}

TEST(BuildTrainingSamples, SkipsUnlabelledSnapshotsAndOtherDags) {
  std::vector<v1::StoredSnapshot> history = {Stored("a", 1000, 1000, 1),
                                             Stored("b", 1060, 1000, 2)};
  history[1].clear_labels();  // Stored before labelling: not usable.
  v1::StoredSnapshot other;   // Same job, another DAG.
  *other.mutable_snapshot() = testing::ThrottledChain("c", 1120, 0);
  for (const auto& op : other.snapshot().operators()) {
    v1::OperatorLabel* label = other.add_labels();
    label->set_operator_id(op.id());
    label->set_label(kHealthy);
  }
  history.push_back(other);
  const std::vector<TrainingSample> samples = BuildTrainingSamples(history);
  // (a, a) and (c, c) only.
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].graph.num_nodes, 3);
  EXPECT_EQ(samples[1].graph.num_nodes, 5);
}

TEST(BuildTrainingSamples, NoHistoryNoSamples) {
  EXPECT_TRUE(BuildTrainingSamples({}).empty());
}

}  // namespace
}  // namespace streamtune
