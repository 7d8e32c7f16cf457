#include "server/core/graph/job_graph.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;

TEST(JobGraph, OrdersProducersBeforeConsumersWhateverTheListingOrder) {
  v1::Snapshot s = testing::EmptySnapshot();
  testing::AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1);
  testing::AddOperator(&s, "join", v1::OPERATOR_KIND_JOIN, 1);
  testing::AddOperator(&s, "left", v1::OPERATOR_KIND_SOURCE, 1);
  testing::AddOperator(&s, "right", v1::OPERATOR_KIND_SOURCE, 1);
  testing::AddEdge(&s, "join", "sink");
  testing::AddEdge(&s, "left", "join", v1::PARTITIONING_HASH);
  testing::AddEdge(&s, "right", "join", v1::PARTITIONING_HASH);
  const JobGraph graph(s);
  EXPECT_THAT(graph.topological_order(), ElementsAre(2, 3, 1, 0));
  EXPECT_TRUE(graph.is_source(2));
  EXPECT_FALSE(graph.is_source(1));
  EXPECT_TRUE(graph.has_hash_input(1));
  EXPECT_FALSE(graph.has_hash_input(0));
  EXPECT_THAT(graph.input_edges(1), ElementsAre(1, 2));
  EXPECT_EQ(graph.producer(1), 2);
  EXPECT_EQ(graph.consumer(0), 0);
  EXPECT_EQ(graph.IndexOf("right"), 3);
  EXPECT_EQ(graph.IndexOf("nope"), -1);
}

}  // namespace
}  // namespace streamtune
