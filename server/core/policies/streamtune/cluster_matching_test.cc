// MatchCluster: the nearest medoid within max_distance, else the global
// model, else the nearest cluster; nullopt only for a run without models.
#include "server/core/policies/streamtune/cluster_matching.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "server/core/similarity/ged.h"
#include "server/core/similarity/labelled_graph.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

v1::Model Cluster(const std::string& id, const v1::Snapshot& medoid) {
  v1::Model model;
  model.set_model_id("run." + id);
  model.set_cluster_id(id);
  model.set_kind(kClusterModelKind);
  *model.mutable_medoid() = medoid;
  return model;
}

v1::Model Global() {
  v1::Model model;
  model.set_model_id("run.global");
  model.set_cluster_id("global");
  model.set_kind(kGlobalModelKind);
  return model;
}

// source -> map -> sink (3 operators).
v1::Snapshot ShortChain() { return testing::ValidChain(); }
// source -> parse -> enrich -> filter -> sink (5 operators).
v1::Snapshot LongChain() { return testing::ThrottledChain("s1", 1000, 0); }
// source -> filter -> sink: the short chain with one operator relabelled,
// much nearer it than the long chain.
v1::Snapshot SourceFilterSink() {
  v1::Snapshot s = testing::ValidChain();
  s.mutable_operators(1)->set_kind(v1::OPERATOR_KIND_FILTER);
  return s;
}

double Distance(const v1::Snapshot& a, const v1::Snapshot& b) {
  return NormalisedGed(LabelledGraphFromSnapshot(a), LabelledGraphFromSnapshot(b));
}

PretrainedModels TwoClusterRun(bool with_global) {
  PretrainedModels run;
  run.run = "run";
  run.clusters = {Cluster("cluster-long", LongChain()),
                  Cluster("cluster-short", ShortChain())};
  if (with_global) run.global = Global();
  return run;
}

TEST(MatchCluster, TheNearestMedoidWithinMaxDistanceWins) {
  const auto match =
      MatchCluster(ShortChain(), TwoClusterRun(true), /*max_distance=*/0.3);
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->model.cluster_id(), "cluster-short");
  EXPECT_FALSE(match->global);
  EXPECT_DOUBLE_EQ(match->distance, 0);

  const auto long_match = MatchCluster(LongChain(), TwoClusterRun(true), 0.3);
  ASSERT_TRUE(long_match.has_value());
  EXPECT_EQ(long_match->model.cluster_id(), "cluster-long");
  EXPECT_FALSE(long_match->global);
}

TEST(MatchCluster, ReportsTheDistanceToTheChosenMedoid) {
  const v1::Snapshot job = SourceFilterSink();
  const double to_short = Distance(job, ShortChain());
  ASSERT_GT(to_short, 0);
  ASSERT_LT(to_short, Distance(job, LongChain()));
  const auto match = MatchCluster(job, TwoClusterRun(true), /*max_distance=*/to_short);
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->model.cluster_id(), "cluster-short");
  EXPECT_FALSE(match->global);
  EXPECT_DOUBLE_EQ(match->distance, to_short);
}

TEST(MatchCluster, BeyondMaxDistanceTheGlobalModelServesWithTheNearestDistance) {
  const v1::Snapshot job = SourceFilterSink();
  const double to_short = Distance(job, ShortChain());
  const auto match =
      MatchCluster(job, TwoClusterRun(true), /*max_distance=*/to_short / 2);
  ASSERT_TRUE(match.has_value());
  EXPECT_TRUE(match->global);
  EXPECT_EQ(match->model.model_id(), "run.global");
  EXPECT_DOUBLE_EQ(match->distance, to_short);
}

TEST(MatchCluster, WithoutAGlobalModelTheNearestClusterServesBeyondMaxDistance) {
  const v1::Snapshot job = SourceFilterSink();
  const double to_short = Distance(job, ShortChain());
  const auto match = MatchCluster(job, TwoClusterRun(false), /*max_distance=*/0);
  ASSERT_TRUE(match.has_value());
  EXPECT_FALSE(match->global);
  EXPECT_EQ(match->model.cluster_id(), "cluster-short");
  EXPECT_DOUBLE_EQ(match->distance, to_short);
}

TEST(MatchCluster, AGlobalOnlyRunServesTheGlobalModelAtInfiniteDistance) {
  PretrainedModels run;
  run.run = "run";
  run.global = Global();
  const auto match = MatchCluster(ShortChain(), run, /*max_distance=*/1);
  ASSERT_TRUE(match.has_value());
  EXPECT_TRUE(match->global);
  EXPECT_EQ(match->model.model_id(), "run.global");
  EXPECT_TRUE(std::isinf(match->distance));
}

TEST(MatchCluster, ARunWithoutModelsMatchesNothing) {
  PretrainedModels run;
  run.run = "empty";
  EXPECT_FALSE(MatchCluster(ShortChain(), run, /*max_distance=*/1).has_value());
}

}  // namespace
}  // namespace streamtune
