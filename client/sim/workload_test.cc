#include "client/sim/workload.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "client/sim/test_workloads.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace streamtune::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Json = nlohmann::ordered_json;

// The example of docs/workloads.md.
constexpr char kWordcount[] = R"({
  "name": "wordcount-hotkey",
  "semantics": "flink",
  "duration_s": 3600,
  "seed": 7,
  "noise_sd": 0.02,
  "decision_interval_s": 60,
  "metrics_window_s": 60,
  "restart_downtime_s": 30,
  "lag_slo_s": 60,
  "catch_up_s": 300,
  "operators": [
    {"id": "source", "kind": "source", "capacity": 40000, "parallelism": 1, "max_parallelism": 64},
    {"id": "split", "kind": "flat_map", "capacity": 25000, "selectivity": 4.0, "contention": 0.01, "parallelism": 1},
    {"id": "count", "kind": "keyed_aggregate", "capacity": 60000, "selectivity": 0.05,
     "contention": 0.02, "hot_key_share": 0.04, "parallelism": 1},
    {"id": "sink", "kind": "sink", "capacity": 500000, "parallelism": 1}
  ],
  "edges": [
    {"from": "source", "to": "split", "partitioning": "rebalance"},
    {"from": "split", "to": "count", "partitioning": "hash"},
    {"from": "count", "to": "sink", "partitioning": "forward"}
  ],
  "sources": {
    "source": [{"at_s": 0, "rate": 10000}, {"at_s": 1200, "rate": 30000}, {"at_s": 2400, "rate": 5000}]
  }
})";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> BenchmarkWorkloadFiles() {
  std::vector<std::string> files;
  const std::filesystem::path dir(STREAMTUNE_WORKLOADS_DIR);
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ParseWorkload, ReadsTheDesignExample) {
  absl::StatusOr<Workload> w = ParseWorkload(kWordcount, "wordcount.json");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->name, "wordcount-hotkey");
  EXPECT_EQ(w->semantics, v1::METRIC_SEMANTICS_FLINK);
  EXPECT_EQ(w->duration_s, 3600);
  EXPECT_EQ(w->seed, 7);
  ASSERT_EQ(w->operators.size(), 4u);
  const OperatorSpec& count = w->operators[2];
  EXPECT_EQ(count.id, "count");
  EXPECT_EQ(count.kind, v1::OPERATOR_KIND_KEYED_AGGREGATE);
  EXPECT_EQ(count.capacity, 60000);
  EXPECT_EQ(count.selectivity, 0.05);
  EXPECT_EQ(count.contention, 0.02);
  EXPECT_EQ(count.hot_key_share, 0.04);
  EXPECT_EQ(count.max_parallelism, 128);
  EXPECT_EQ(w->operators[0].max_parallelism, 64);
  EXPECT_EQ(w->operators[3].selectivity, 0);  // Sink default.
  EXPECT_EQ(w->operators[0].selectivity, 1);
  ASSERT_EQ(w->edges.size(), 3u);
  EXPECT_EQ(w->edges[1].partitioning, v1::PARTITIONING_HASH);
  EXPECT_EQ(w->edges[1].fraction, 1);
  ASSERT_EQ(w->sources.at("source").size(), 3u);
  EXPECT_EQ(w->sources.at("source")[1], (RateStep{1200, 30000, 0}));
}

TEST(ParseWorkload, AppliesDefaults) {
  Json j = Json::parse(kWordcount);
  for (const char* key : {"noise_sd", "decision_interval_s", "metrics_window_s",
                          "restart_downtime_s", "lag_slo_s", "catch_up_s"}) {
    j.erase(key);
  }
  absl::StatusOr<Workload> w = ParseWorkload(j.dump(), "");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->noise_sd, 0.02);
  EXPECT_EQ(w->decision_interval_s, 60);
  EXPECT_EQ(w->metrics_window_s, 60);
  EXPECT_EQ(w->restart_downtime_s, 30);
  EXPECT_EQ(w->lag_slo_s, 60);
  EXPECT_EQ(w->catch_up_s, 300);
  j["semantics"] = "timely";
  w = ParseWorkload(j.dump(), "");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->semantics, v1::METRIC_SEMANTICS_TIMELY);
  EXPECT_EQ(w->restart_downtime_s, 5);
}

TEST(ParseWorkload, RoundTripsThroughWorkloadToJson) {
  absl::StatusOr<Workload> w = ParseWorkload(kWordcount, "");
  ASSERT_TRUE(w.ok()) << w.status();
  w->edges[0].fraction = 0.3;
  w->sources["source"][2].ramp_s = 120;
  w->operators[1].selectivity = 1.0 / 3;  // Not a short decimal.
  const std::string text = WorkloadToJson(*w);
  absl::StatusOr<Workload> again = ParseWorkload(text, "");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << text;
  EXPECT_TRUE(*again == *w) << text;
  EXPECT_EQ(WorkloadToJson(*again), text);
  EXPECT_THAT(text, HasSubstr("\"capacity\": 40000,"));  // Integral: no ".0".
}

TEST(ParseWorkload, EveryBenchmarkWorkloadLoadsAndRoundTrips) {
  const std::vector<std::string> files = BenchmarkWorkloadFiles();
  ASSERT_TRUE(std::filesystem::is_directory(STREAMTUNE_WORKLOADS_DIR))
      << "no benchmark workloads at " << STREAMTUNE_WORKLOADS_DIR;
  ASSERT_FALSE(files.empty()) << STREAMTUNE_WORKLOADS_DIR;
  for (const std::string& file : files) {
    absl::StatusOr<Workload> w = LoadWorkloadFile(file);
    ASSERT_TRUE(w.ok()) << w.status();
    absl::StatusOr<Workload> again = ParseWorkload(WorkloadToJson(*w), "");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(*again == *w) << file;
  }
}

TEST(ParseWorkload, MalformedCopyOfABenchmarkWorkloadNamesThePath) {
  const std::string file = std::string(STREAMTUNE_WORKLOADS_DIR) + "/linear-chain.json";
  ASSERT_TRUE(std::filesystem::exists(file)) << "missing " << file;
  Json j = Json::parse(ReadFile(file));
  j["operators"][2]["capacity"] = -1;
  const std::filesystem::path copy =
      std::filesystem::temp_directory_path() / "streamtune-sim-malformed.json";
  {
    std::ofstream out(copy);
    out << j.dump(2);
  }
  absl::StatusOr<Workload> w = LoadWorkloadFile(copy.string());
  std::filesystem::remove(copy);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.status().message(),
            "operators[2].capacity: must be > 0, got -1 (in " + copy.string() + ")");
}

TEST(LoadWorkloadFile, MissingFileIsNotFound) {
  absl::StatusOr<Workload> w = LoadWorkloadFile("/nonexistent/w.json");
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
}

struct BadCase {
  std::string name;
  std::function<void(Json&)> mutate;
  std::string expected_prefix;
};

class ParseWorkloadErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseWorkloadErrors, RejectsWithJsonPath) {
  Json j = Json::parse(kWordcount);
  GetParam().mutate(j);
  absl::StatusOr<Workload> w = ParseWorkload(j.dump(), "");
  ASSERT_FALSE(w.ok()) << GetParam().name;
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(w.status().message()),
              StartsWith(GetParam().expected_prefix));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseWorkloadErrors,
    ::testing::Values(
        BadCase{"NegativeCapacity", [](Json& j) { j["operators"][2]["capacity"] = -1; },
                "operators[2].capacity: must be > 0, got -1"},
        BadCase{"UnknownTopLevelKey", [](Json& j) { j["durations"] = 5; },
                "durations: unknown key"},
        BadCase{"UnknownOperatorKey", [](Json& j) { j["operators"][1]["capcity"] = 5; },
                "operators[1].capcity: unknown key"},
        BadCase{"MissingRequiredKey",
                [](Json& j) { j["operators"][0].erase("capacity"); },
                "operators[0].capacity: required"},
        BadCase{"MissingName", [](Json& j) { j.erase("name"); }, "name: required"},
        BadCase{"StringForInteger", [](Json& j) { j["duration_s"] = "3600"; },
                "duration_s: must be an integer, got \"3600\""},
        BadCase{"FractionalInteger", [](Json& j) { j["duration_s"] = 3600.5; },
                "duration_s: must be an integer, got 3600.5"},
        BadCase{"IntegerOutOfRange", [](Json& j) { j["duration_s"] = 1e10; },
                "duration_s: must be an integer"},
        BadCase{"SeedAsString", [](Json& j) { j["seed"] = "7"; },
                "seed: must be an integer"},
        BadCase{"ZeroDuration", [](Json& j) { j["duration_s"] = 0; },
                "duration_s: must be > 0, got 0"},
        BadCase{"ZeroDecisionInterval", [](Json& j) { j["decision_interval_s"] = 0; },
                "decision_interval_s: must be > 0, got 0"},
        BadCase{"ZeroRestartDowntime", [](Json& j) { j["restart_downtime_s"] = 0; },
                "restart_downtime_s: must be > 0, got 0"},
        BadCase{"NegativeNoise", [](Json& j) { j["noise_sd"] = -0.1; },
                "noise_sd: must be in [0, 1], got -0.1"},
        BadCase{"BadSemantics", [](Json& j) { j["semantics"] = "spark"; },
                "semantics: must be one of \"flink\", \"timely\", got \"spark\""},
        BadCase{"BadKind", [](Json& j) { j["operators"][1]["kind"] = "mapper"; },
                "operators[1].kind: must be one of \"source\""},
        BadCase{"BadPartitioning",
                [](Json& j) { j["edges"][0]["partitioning"] = "random"; },
                "edges[0].partitioning: must be one of \"forward\""},
        BadCase{"HotKeyShareOne",
                [](Json& j) { j["operators"][2]["hot_key_share"] = 1; },
                "operators[2].hot_key_share: must be in [0, 1), got 1"},
        BadCase{"NegativeContention",
                [](Json& j) { j["operators"][2]["contention"] = -0.5; },
                "operators[2].contention: must be >= 0, got -0.5"},
        BadCase{"NegativeSelectivity",
                [](Json& j) { j["operators"][1]["selectivity"] = -1; },
                "operators[1].selectivity: must be >= 0, got -1"},
        BadCase{"ZeroFraction", [](Json& j) { j["edges"][0]["fraction"] = 0; },
                "edges[0].fraction: must be in (0, 1], got 0"},
        BadCase{"FractionAboveOne", [](Json& j) { j["edges"][0]["fraction"] = 1.5; },
                "edges[0].fraction: must be in (0, 1], got 1.5"},
        BadCase{"ZeroParallelism",
                [](Json& j) { j["operators"][1]["parallelism"] = 0; },
                "operators[1].parallelism: must be in [1, "
                "max_parallelism=128], got 0"},
        BadCase{"ParallelismAboveMax",
                [](Json& j) { j["operators"][0]["parallelism"] = 65; },
                "operators[0].parallelism: must be in [1, max_parallelism=64], "
                "got 65"},
        BadCase{"MaxParallelismTooLarge",
                [](Json& j) { j["operators"][1]["max_parallelism"] = 40000; },
                "operators[1].max_parallelism: must be <= 32768, got 40000"},
        BadCase{"DuplicateOperatorId",
                [](Json& j) { j["operators"][2]["id"] = "split"; },
                "operators[2].id: duplicate id \"split\" (also operators[1])"},
        BadCase{"BadIdCharacter", [](Json& j) { j["name"] = "word count"; },
                "name: character ' ' is not allowed"},
        BadCase{"UnknownEdgeOperator", [](Json& j) { j["edges"][1]["to"] = "nope"; },
                "edges[1].to: unknown operator \"nope\""},
        BadCase{"SelfLoop", [](Json& j) { j["edges"][1]["to"] = "split"; },
                "edges[1]: self-loop on \"split\""},
        BadCase{"DuplicateEdge", [](Json& j) { j["edges"].push_back(j["edges"][0]); },
                "edges[3]: duplicate edge \"source\" -> \"split\" (also edges[0])"},
        BadCase{"Cycle",
                [](Json& j) {
                  j["edges"].push_back(Json{
                      {"from", "count"}, {"to", "split"}, {"partitioning", "hash"}});
                },
                "edges[1]: closes a cycle (\"split\" -> \"count\")"},
        BadCase{"EdgeIntoSource",
                [](Json& j) {
                  j["edges"].push_back(Json{
                      {"from", "split"}, {"to", "source"}, {"partitioning", "hash"}});
                },
                "edges[3].to: \"source\" is a source and cannot have inputs"},
        BadCase{"EdgeOutOfSink",
                [](Json& j) {
                  j["operators"].push_back(
                      Json{{"id", "audit"}, {"kind", "map"}, {"capacity", 10}});
                  j["edges"].push_back(Json{
                      {"from", "sink"}, {"to", "audit"}, {"partitioning", "forward"}});
                },
                "edges[3].from: \"sink\" is a sink and cannot have outputs"},
        BadCase{"Unreachable",
                [](Json& j) {
                  j["operators"].push_back(
                      Json{{"id", "orphan"}, {"kind", "map"}, {"capacity", 10}});
                },
                "operators[4]: \"orphan\" is not reachable from any source"},
        BadCase{"NoSource",
                [](Json& j) {
                  j["operators"][0]["kind"] = "map";
                  j["sources"] = Json::object();
                },
                "operators: at least one operator of kind \"source\""},
        BadCase{"SourceWithoutTrace", [](Json& j) { j["sources"] = Json::object(); },
                "sources.source: required"},
        BadCase{"TraceForNonSource",
                [](Json& j) { j["sources"]["split"] = j["sources"]["source"]; },
                "sources.split: \"split\" is not a source operator (kind "
                "\"flat_map\")"},
        BadCase{"TraceForUnknownOperator",
                [](Json& j) { j["sources"]["ghost"] = j["sources"]["source"]; },
                "sources.ghost: unknown operator \"ghost\""},
        BadCase{"EmptyTrace", [](Json& j) { j["sources"]["source"] = Json::array(); },
                "sources.source: must have at least one step"},
        BadCase{"FirstStepNotAtZero",
                [](Json& j) { j["sources"]["source"][0]["at_s"] = 5; },
                "sources.source[0].at_s: the first step must be at 0, got 5"},
        BadCase{"UnsortedSteps",
                [](Json& j) { j["sources"]["source"][2]["at_s"] = 1200; },
                "sources.source[2].at_s: must be > 1200 (steps are sorted by "
                "at_s), got 1200"},
        BadCase{"StepAfterEnd",
                [](Json& j) { j["sources"]["source"][2]["at_s"] = 3600; },
                "sources.source[2].at_s: must be < duration_s (3600), got 3600"},
        BadCase{"ZeroRate", [](Json& j) { j["sources"]["source"][1]["rate"] = 0; },
                "sources.source[1].rate: must be > 0, got 0"},
        BadCase{"RampOverlapsNextStep",
                [](Json& j) { j["sources"]["source"][1]["ramp_s"] = 1300; },
                "sources.source[2].at_s: must be >= 2500 (the previous step's "
                "ramp ends there), got 2400"},
        BadCase{"RampOnFirstStep",
                [](Json& j) { j["sources"]["source"][0]["ramp_s"] = 10; },
                "sources.source[0].ramp_s: the first step has no previous rate"},
        BadCase{"NegativeRamp",
                [](Json& j) { j["sources"]["source"][1]["ramp_s"] = -10; },
                "sources.source[1].ramp_s: must be >= 0, got -10"},
        // Such a ramp used to be accepted, and its end, at_s + ramp_s,
        // overflowed int in TargetRate (UBSan in fuzz/workload_fuzzer.cc).
        BadCase{"RampBeyondTheLongestRun",
                [](Json& j) { j["sources"]["source"][2]["ramp_s"] = 2147483647; },
                "sources.source[2].ramp_s: must be <= 604800, got 2147483647"},
        BadCase{"UnknownStepKey",
                [](Json& j) { j["sources"]["source"][1]["ramp"] = 10; },
                "sources.source[1].ramp: unknown key"},
        BadCase{"OperatorsNotArray", [](Json& j) { j["operators"] = Json::object(); },
                "operators: must be an array, got an object"},
        BadCase{"StepNotObject", [](Json& j) { j["sources"]["source"][1] = 5; },
                "sources.source[1]: must be an object, got a number"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(ParseWorkload, DuplicateKeysAreErrors) {
  std::string text = kWordcount;
  const std::string from = "\"capacity\": 25000,";
  text.replace(text.find(from), from.size(), from + " \"capacity\": 1,");
  absl::StatusOr<Workload> w = ParseWorkload(text, "");
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()),
              StartsWith("operators[1].capacity: duplicate key"));

  text = kWordcount;
  const std::string seed = "\"seed\": 7,";
  text.replace(text.find(seed), seed.size(), seed + " \"seed\": 8,");
  w = ParseWorkload(text, "");
  EXPECT_THAT(std::string(w.status().message()), StartsWith("seed: duplicate key"));

  text = kWordcount;
  const std::string step = "{\"at_s\": 2400, \"rate\": 5000}";
  text.replace(text.find(step), step.size(),
               "{\"at_s\": 2400, \"rate\": 5000, \"rate\": 6}");
  w = ParseWorkload(text, "");
  EXPECT_THAT(std::string(w.status().message()),
              StartsWith("sources.source[2].rate: duplicate key"));
}

TEST(ParseWorkload, SyntaxErrorIsInvalidArgument) {
  absl::StatusOr<Workload> w = ParseWorkload("{\"name\": ", "bad.json");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(w.status().message()), StartsWith("(root): invalid JSON"));
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("(in bad.json)"));
  w = ParseWorkload("[1, 2]", "");
  EXPECT_THAT(std::string(w.status().message()),
              StartsWith("(root): must be an object, got an array"));
}

TEST(ParseWorkload, ReportsEveryErrorOfTheFile) {
  Json j = Json::parse(kWordcount);
  j["operators"][2]["capacity"] = -1;
  j["edges"][0]["fraction"] = 2;
  absl::StatusOr<Workload> w = ParseWorkload(j.dump(), "x.json");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(),
            "operators[2].capacity: must be > 0, got -1; edges[0].fraction: "
            "must be in (0, 1], got 2 (in x.json)");
}

TEST(ValidateWorkload, ChecksWorkloadsBuiltInCode) {
  Workload w = testing::Chain(1000);
  EXPECT_TRUE(ValidateWorkload(w).ok());
  w.operators[1].capacity = 0;
  EXPECT_EQ(ValidateWorkload(w).message(), "operators[1].capacity: must be > 0, got 0");
}

TEST(TargetRate, StepsAndRamps) {
  const std::vector<RateStep> steps = {
      {0, 100, 0}, {10, 200, 0}, {20, 300, 10}, {40, 100, 20}};
  EXPECT_EQ(TargetRate(steps, -1), 100);
  EXPECT_EQ(TargetRate(steps, 0), 100);
  EXPECT_EQ(TargetRate(steps, 9.5), 100);
  EXPECT_EQ(TargetRate(steps, 10), 200);
  EXPECT_EQ(TargetRate(steps, 20), 200);  // The ramp starts at the old rate,
  EXPECT_EQ(TargetRate(steps, 25), 250);  // moves linearly,
  EXPECT_EQ(TargetRate(steps, 30), 300);  // and ends at the new one.
  EXPECT_EQ(TargetRate(steps, 35), 300);
  EXPECT_EQ(TargetRate(steps, 45), 250);  // Ramps go down too.
  EXPECT_EQ(TargetRate(steps, 60), 100);
  EXPECT_EQ(TargetRate(steps, 1e9), 100);
}

}  // namespace
}  // namespace streamtune::sim
