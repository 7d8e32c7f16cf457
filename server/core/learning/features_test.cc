#include "server/core/learning/features.h"

#include <cmath>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::streamtune::testing::AddEdge;
using ::streamtune::testing::AddOperator;
using ::streamtune::testing::EmptySnapshot;
using ::streamtune::testing::SetLoad;
using ::testing::ElementsAre;
using ::testing::Pair;

// source (p=2) -hash-> map (p=4) -forward-> sink (p=1, no busy time).
v1::Snapshot SmallChain() {
  v1::Snapshot s = EmptySnapshot();
  v1::Operator* source = AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 2);
  SetLoad(source, 1000, 1000, 250);
  source->mutable_metrics()->set_pending_records(3000);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 4), 1000, 500, 500);
  v1::Operator* sink = AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1);
  sink->mutable_metrics()->set_records_in_per_s(500);
  sink->mutable_metrics()->set_records_out_per_s(0);
  AddEdge(&s, "source", "map", v1::PARTITIONING_HASH);
  AddEdge(&s, "map", "sink", v1::PARTITIONING_FORWARD);
  return s;
}

std::vector<float> Row(const GraphFeatures& f, int v) {
  auto begin = f.node_features.begin() + static_cast<long>(v) * kNodeFeatureDim;
  return std::vector<float>(begin, begin + kNodeFeatureDim);
}

float F(double x) { return static_cast<float>(x); }

TEST(ExtractFeatures, ComputesEveryColumnOfASmallChain) {
  const v1::Snapshot s = SmallChain();
  const JobGraph graph(s);
  const GraphFeatures f = ExtractFeatures(graph, nullptr, 300);
  ASSERT_EQ(f.num_nodes, 3);
  ASSERT_EQ(f.node_features.size(), 3u * kNodeFeatureDim);
  EXPECT_THAT(f.edges, ElementsAre(Pair(0, 1), Pair(1, 2)));

  // Source: target = read 1000 + backlog 3000 / 300 s = 1010; true rate
  // 1000 / 0.25 = 4000 over 2 instances = 2000 each.
  std::vector<float> expected(kNodeFeatureDim, 0.0f);
  expected[v1::OPERATOR_KIND_SOURCE] = 1;
  expected[kLogTargetRateColumn] = F(std::log1p(1010.0));
  expected[kSelectivityColumn] = 1;
  expected[kLogInstanceRateColumn] = F(std::log1p(2000.0));
  expected[kOutDegreeColumn] = 1;
  expected[kLogParallelismColumn] = F(std::log(2.0));
  EXPECT_EQ(Row(f, 0), expected);

  // Map: hash input, depth 1, target 1010 · selectivity 1; true rate
  // 1000 / 0.5 = 2000 over 4 instances = 500 each; selectivity 0.5.
  expected.assign(kNodeFeatureDim, 0.0f);
  expected[v1::OPERATOR_KIND_MAP] = 1;
  expected[kHashInputColumn] = 1;
  expected[kDepthColumn] = 1;
  expected[kInDegreeColumn] = 1;
  expected[kOutDegreeColumn] = 1;
  expected[kLogTargetRateColumn] = F(std::log1p(1010.0));
  expected[kSelectivityColumn] = 0.5;
  expected[kLogInstanceRateColumn] = F(std::log1p(500.0));
  expected[kLogParallelismColumn] = F(std::log(4.0));
  EXPECT_EQ(Row(f, 1), expected);

  // Sink: forward input (no hash), target 1010 · 0.5 = 505, emits nothing,
  // no busy time so the true rate is missing; log 1 = 0.
  expected.assign(kNodeFeatureDim, 0.0f);
  expected[v1::OPERATOR_KIND_SINK] = 1;
  expected[kDepthColumn] = 2;
  expected[kInDegreeColumn] = 1;
  expected[kLogTargetRateColumn] = F(std::log1p(505.0));
  expected[kSelectivityColumn] = 0;
  expected[kInstanceRateMissingColumn] = 1;
  EXPECT_EQ(Row(f, 2), expected);
}

TEST(ExtractFeatures, DepthIsTheLongestPathAndDegreesCountEdges) {
  // src -> a -> b -> sink and a shortcut src -> sink.
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "src", v1::OPERATOR_KIND_SOURCE, 1), 100, 100, 100);
  SetLoad(AddOperator(&s, "a", v1::OPERATOR_KIND_FLAT_MAP, 1), 100, 100, 100);
  SetLoad(AddOperator(&s, "b", v1::OPERATOR_KIND_JOIN, 1), 100, 100, 100);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 200, 0, 100);
  AddEdge(&s, "src", "a");
  AddEdge(&s, "a", "b");
  AddEdge(&s, "b", "sink");
  AddEdge(&s, "src", "sink");
  const JobGraph graph(s);
  const GraphFeatures f = ExtractFeatures(graph, nullptr, 300);
  EXPECT_EQ(Row(f, 3)[kDepthColumn], 3);
  EXPECT_EQ(Row(f, 3)[kInDegreeColumn], 2);
  EXPECT_EQ(Row(f, 0)[kOutDegreeColumn], 2);
  EXPECT_EQ(Row(f, 2)[kDepthColumn], 2);
  EXPECT_EQ(Row(f, 1)[v1::OPERATOR_KIND_FLAT_MAP], 1);
  // Both paths deliver the source's 100 rec/s to the sink.
  EXPECT_EQ(Row(f, 3)[kLogTargetRateColumn], F(std::log1p(200.0)));
}

TEST(ExtractFeatures, BacklogGrowthSincePreviousRaisesTheSourceTarget) {
  v1::Snapshot previous = SmallChain();
  previous.set_snapshot_id("s0");
  previous.mutable_observed_at()->set_seconds(940);
  previous.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  v1::Snapshot current = SmallChain();
  current.mutable_operators(0)->mutable_metrics()->set_pending_records(6000);
  const JobGraph graph(current);
  const GraphFeatures f = ExtractFeatures(graph, &previous, 300);
  // 1000 read + 6000 / 60 s growth + 6000 / 300 s catch-up.
  EXPECT_EQ(Row(f, 0)[kLogTargetRateColumn], F(std::log1p(1120.0)));
  // Halving the catch-up time doubles the catch-up term.
  const GraphFeatures faster = ExtractFeatures(graph, &previous, 150);
  EXPECT_EQ(Row(faster, 0)[kLogTargetRateColumn], F(std::log1p(1140.0)));
}

TEST(ExtractFeatures, UnknownKindCountsAsUnspecified) {
  v1::Snapshot s = EmptySnapshot();
  SetLoad(AddOperator(&s, "x", static_cast<v1::OperatorKind>(42), 1), 10, 10, 0);
  const JobGraph graph(s);
  const GraphFeatures f = ExtractFeatures(graph, nullptr, 300);
  const std::vector<float> row = Row(f, 0);
  EXPECT_EQ(row[v1::OPERATOR_KIND_UNSPECIFIED], 1);
  // Zero busy time: the true rate cannot be extrapolated.
  EXPECT_EQ(row[kInstanceRateMissingColumn], 1);
  EXPECT_EQ(row[kLogInstanceRateColumn], 0);
  float kinds = 0;
  for (int c = 0; c < kKindFeatureColumns; ++c) kinds += row[c];
  EXPECT_EQ(kinds, 1);
}

}  // namespace
}  // namespace streamtune
