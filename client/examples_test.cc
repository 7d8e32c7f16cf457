// Checks the example snapshots in client/examples/: each parses as a
// streamtune.v1.Snapshot, the valid ones are self-consistent, and the
// invalid one is wrong only in the way it claims to be.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/proto_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {
namespace {

const std::string kDir = STREAMTUNE_CLIENT_EXAMPLES_DIR;

v1::Snapshot Load(const std::string& name) {
  v1::Snapshot snapshot;
  const absl::Status status = ParseJsonFile(kDir + "/" + name, &snapshot);
  EXPECT_TRUE(status.ok()) << status;
  return snapshot;
}

std::map<std::string, v1::Operator> ById(const v1::Snapshot& snapshot) {
  std::map<std::string, v1::Operator> ops;
  for (const v1::Operator& op : snapshot.operators()) ops[op.id()] = op;
  return ops;
}

TEST(Examples, EveryJsonFileParsesAsASnapshot) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path().filename().string());
    }
  }
  EXPECT_THAT(files, ::testing::UnorderedElementsAre("linear-chain-t60.json",
                                                     "wordcount-hotkey-t60.json",
                                                     "invalid-unknown-edge.json"));
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const v1::Snapshot snapshot = Load(file);
    EXPECT_FALSE(snapshot.job_id().empty());
    EXPECT_FALSE(snapshot.snapshot_id().empty());
    EXPECT_EQ(snapshot.engine(), v1::ENGINE_SIMULATED);
    EXPECT_EQ(snapshot.semantics(), v1::METRIC_SEMANTICS_FLINK);
    EXPECT_EQ(snapshot.window_s(), 60);
    EXPECT_EQ(snapshot.seconds_since_restart(), 60);
  }
}

// What the server checks structurally, plus the simulator's identities
// (docs/simulator.md §4): busy_avg + backpressured + idle = 1000 and
// out = in × selectivity, the latter checked as conservation along edges.
void ExpectConsistent(const v1::Snapshot& snapshot) {
  const auto ops = ById(snapshot);
  EXPECT_EQ(ops.size(), snapshot.operators_size()) << "duplicate ids";
  std::map<std::string, double> input_from_edges;
  for (const v1::Edge& edge : snapshot.edges()) {
    ASSERT_EQ(ops.count(edge.from()), 1u) << edge.from();
    ASSERT_EQ(ops.count(edge.to()), 1u) << edge.to();
    input_from_edges[edge.to()] += ops.at(edge.from()).metrics().records_out_per_s();
  }
  for (const v1::Operator& op : snapshot.operators()) {
    SCOPED_TRACE(op.id());
    const v1::OperatorMetrics& m = op.metrics();
    EXPECT_EQ(op.parallelism(), 1);
    EXPECT_GE(op.max_parallelism(), op.parallelism());
    EXPECT_NEAR(
        m.busy_ms_per_s_avg() + m.backpressured_ms_per_s_max() + m.idle_ms_per_s_avg(),
        1000, 1e-6);
    EXPECT_LE(m.busy_ms_per_s_max(), 1000);
    if (op.kind() == v1::OPERATOR_KIND_SOURCE) {
      EXPECT_TRUE(m.has_pending_records());
    } else {
      EXPECT_FALSE(m.has_pending_records());
      EXPECT_DOUBLE_EQ(m.records_in_per_s(), input_from_edges[op.id()]);
    }
    if (op.kind() == v1::OPERATOR_KIND_SINK) {
      EXPECT_EQ(m.records_out_per_s(), 0);
    }
  }
}

TEST(Examples, LinearChainIsThrottledByEnrich) {
  const v1::Snapshot snapshot = Load("linear-chain-t60.json");
  ExpectConsistent(snapshot);
  const auto ops = ById(snapshot);
  EXPECT_EQ(ops.at("source").metrics().records_in_per_s(), 8000);
  EXPECT_EQ(ops.at("source").metrics().pending_records(), 720000);
  EXPECT_EQ(ops.at("enrich").metrics().busy_ms_per_s_max(), 1000);
  EXPECT_EQ(ops.at("parse").metrics().backpressured_ms_per_s_max(), 333.333);
  EXPECT_EQ(ops.at("source").metrics().backpressured_ms_per_s_max(), 840);
  EXPECT_EQ(ops.at("filter").metrics().backpressured_ms_per_s_max(), 0);
  EXPECT_EQ(ops.at("sink").metrics().records_in_per_s(), 4000);
}

TEST(Examples, WordcountHotkeyIsNotThrottled) {
  const v1::Snapshot snapshot = Load("wordcount-hotkey-t60.json");
  ExpectConsistent(snapshot);
  const auto ops = ById(snapshot);
  EXPECT_EQ(ops.at("source").max_parallelism(), 64);
  EXPECT_EQ(ops.at("source").metrics().pending_records(), 0);
  EXPECT_EQ(ops.at("split").metrics().records_out_per_s(), 40000);
  EXPECT_EQ(ops.at("count").metrics().busy_ms_per_s_max(), 666.667);
  for (const v1::Operator& op : snapshot.operators()) {
    EXPECT_EQ(op.metrics().backpressured_ms_per_s_max(), 0) << op.id();
  }
  std::set<v1::Partitioning> partitionings;
  for (const v1::Edge& edge : snapshot.edges()) {
    partitionings.insert(edge.partitioning());
  }
  EXPECT_THAT(partitionings, ::testing::ElementsAre(v1::PARTITIONING_FORWARD,
                                                    v1::PARTITIONING_REBALANCE,
                                                    v1::PARTITIONING_HASH));
}

TEST(Examples, InvalidFileHasExactlyOneUnknownEdgeEndpoint) {
  const v1::Snapshot snapshot = Load("invalid-unknown-edge.json");
  const auto ops = ById(snapshot);
  std::vector<std::string> unknown;
  for (int i = 0; i < snapshot.edges_size(); ++i) {
    for (const std::string& end : {snapshot.edges(i).from(), snapshot.edges(i).to()}) {
      if (ops.count(end) == 0) {
        unknown.push_back("edges[" + std::to_string(i) + "]:" + end);
      }
    }
  }
  EXPECT_THAT(unknown, ::testing::ElementsAre("edges[3]:joinn"));
}

}  // namespace
}  // namespace streamtune
