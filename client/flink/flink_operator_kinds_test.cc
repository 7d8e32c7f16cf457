#include "client/flink/flink_operator_kinds.h"

#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::flink {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(STREAMTUNE_FLINK_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParsePlanDescriptions, ReadsRecordedAnswer) {
  // Flink 1.20.3, the harness's synthetic job.
  auto descriptions = ParsePlanDescriptions(Recorded("plan.json"));
  ASSERT_TRUE(descriptions.ok()) << descriptions.status();
  EXPECT_EQ(descriptions->size(), 4u);
  EXPECT_EQ(descriptions->at("e5a72f353fc1e6bbf3bd96a41384998c"),
            "Source: source<br/>");
  EXPECT_EQ(descriptions->at("2e588ce1c86a9d46e2e85186773ce4fd"), "sink: Writer<br/>");
}

TEST(ParsePlanDescriptions, NamesTheBadField) {
  auto message = [](const char* json) {
    return std::string(ParsePlanDescriptions(json).status().message());
  };
  EXPECT_THAT(message("["), StartsWith("$: not JSON"));
  EXPECT_THAT(message(R"({"plan":{"nodes":[{"description":"x"}]}})"),
              StartsWith("$.plan.nodes[0].id"));
  EXPECT_THAT(message(R"({"plan":{"nodes":[{"id":"a","description":7}]}})"),
              StartsWith("$.plan.nodes[0].description"));
}

// The mapping table of docs/engines.md, row by row: Flink's default names.
TEST(KindFromDescription, TheDocumentedTable) {
  const std::pair<const char*, v1::OperatorKind> rows[] = {
      {"Source: Kafka Source<br/>", v1::OPERATOR_KIND_SOURCE},
      {"Sink: Print to Std. Out<br/>", v1::OPERATOR_KIND_SINK},
      {"sink: Writer<br/>", v1::OPERATOR_KIND_SINK},
      {"Sink(table=[default_catalog.db.out], fields=[a])", v1::OPERATOR_KIND_SINK},
      {"Join(joinType=[InnerJoin], where=[(id = id0)])", v1::OPERATOR_KIND_JOIN},
      {"IntervalJoin(joinType=[InnerJoin])", v1::OPERATOR_KIND_JOIN},
      {"Window(TumblingEventTimeWindows(5000), EventTimeTrigger, "
       "CoGroupWindowFunction)",
       v1::OPERATOR_KIND_JOIN},
      {"Window(TumblingEventTimeWindows(5000), EventTimeTrigger, ReduceFunction$1)",
       v1::OPERATOR_KIND_WINDOW_AGGREGATE},
      {"GroupWindowAggregate(groupBy=[a], window=[TumblingGroupWindow])",
       v1::OPERATOR_KIND_WINDOW_AGGREGATE},
      {"KeyedProcess", v1::OPERATOR_KIND_KEYED_AGGREGATE},
      {"Keyed Reduce", v1::OPERATOR_KIND_KEYED_AGGREGATE},
      {"Keyed Aggregation", v1::OPERATOR_KIND_KEYED_AGGREGATE},
      {"GroupAggregate(groupBy=[a], select=[a, COUNT(*)])",
       v1::OPERATOR_KIND_KEYED_AGGREGATE},
      {"Flat Map", v1::OPERATOR_KIND_FLAT_MAP},
      {"Filter", v1::OPERATOR_KIND_FILTER},
      {"Map", v1::OPERATOR_KIND_MAP},
      {"Calc(select=[a, b])", v1::OPERATOR_KIND_MAP},
      {"Process", v1::OPERATOR_KIND_PROCESS},
  };
  for (const auto& [description, kind] : rows) {
    EXPECT_EQ(KindFromDescription(description), kind) << description;
  }
  // A user's own name says nothing Flink knows.
  EXPECT_EQ(KindFromDescription("parse<br/>"), std::nullopt);
  EXPECT_EQ(KindFromDescription(""), std::nullopt);
}

TEST(KindFromDescription, TheMostSpecificChainedOperatorWins) {
  EXPECT_EQ(KindFromDescription("Map<br/>+- Filter<br/>"), v1::OPERATOR_KIND_FILTER);
  EXPECT_EQ(KindFromDescription("KeyedProcess<br/>+- Map<br/>"),
            v1::OPERATOR_KIND_KEYED_AGGREGATE);
  EXPECT_EQ(KindFromDescription("Source: s<br/>+- Map<br/>"), v1::OPERATOR_KIND_SOURCE);
}

TEST(OperatorKindOverrides, FirstMatchingRuleWins) {
  auto overrides = OperatorKindOverrides::Parse(
      "# harness names\n"
      "^parse$ = map\n"
      "\n"
      "aggregate = KEYED_AGGREGATE   # case does not matter\n"
      "agg = join\n"
      "a=b = unknown\n",
      "kinds.txt");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(overrides->Find("parse")->kind, v1::OPERATOR_KIND_MAP);
  EXPECT_EQ(overrides->Find("parse")->line, 2);
  EXPECT_FALSE(overrides->Find("parsed").has_value());
  EXPECT_EQ(overrides->Find("my aggregate")->kind, v1::OPERATOR_KIND_KEYED_AGGREGATE);
  EXPECT_EQ(overrides->Find("aggregate")->line, 4);
  EXPECT_EQ(overrides->Find("x a=b")->kind, v1::OPERATOR_KIND_UNSPECIFIED);
}

TEST(OperatorKindOverrides, BadFilesNameTheLine) {
  auto error = [](const char* text) {
    return std::string(OperatorKindOverrides::Parse(text, "k.txt").status().message());
  };
  EXPECT_THAT(error("a = map\nno equals sign\n"),
              StartsWith("k.txt:2: expected \"name-regex = kind\""));
  EXPECT_THAT(error("\n\n\nx = mapper\n"),
              StartsWith("k.txt:4: unknown kind \"mapper\""));
  EXPECT_THAT(error("x = mapper\n"), HasSubstr("one of source, map, filter"));
  EXPECT_THAT(error(" = map\n"), StartsWith("k.txt:1: empty name regex"));
  EXPECT_THAT(error("a = map\n(unclosed = map\n"),
              StartsWith("k.txt:2: bad regex \"(unclosed\""));
  EXPECT_EQ(OperatorKindOverrides::Load("/nonexistent/kinds.txt").status().code(),
            absl::StatusCode::kNotFound);
  // RE2 has no backreferences: a precise error, not a silent mismatch.
  EXPECT_THAT(error("(a)\\1 = map\n"), StartsWith("k.txt:1: bad regex \"(a)\\1\""));
}

TEST(OperatorKindOverrides, PatternsThatBacktrackedStillAnswer) {
  // Nested quantifiers against a long name: std::regex overflowed its stack
  // on ^.*b over 100,000 characters and took minutes on (a|a)*b; RE2 answers.
  auto overrides =
      OperatorKindOverrides::Parse("(a|a)*b = join\n^.*b = sink\nc = map\n", "k");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  const std::string name(100000, 'a');
  EXPECT_FALSE(overrides->Find(name).has_value());
  const auto c = overrides->Find(name + "c");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->line, 3);
}

TEST(ResolveOperatorKind, OverridePlanTopologyThenUnknown) {
  auto overrides = OperatorKindOverrides::Parse("^parse$ = map\n^odd$ = source\n", "k");
  ASSERT_TRUE(overrides.ok());
  ResolvedKind r =
      ResolveOperatorKind("parse", "parse<br/>", true, true, false, &*overrides);
  EXPECT_EQ(r.kind, v1::OPERATOR_KIND_MAP);
  EXPECT_EQ(r.source, "override line 1");
  r = ResolveOperatorKind("w", "Window(SlidingEventTimeWindows(10000, 1000))", true,
                          true, true, &*overrides);
  EXPECT_EQ(r.kind, v1::OPERATOR_KIND_WINDOW_AGGREGATE);
  EXPECT_EQ(r.source, "plan");
  // A source override on a vertex with inputs would be rejected by the
  // service: the plan and topology decide instead.
  r = ResolveOperatorKind("odd", "odd<br/>", true, true, false, &*overrides);
  EXPECT_EQ(r.kind, v1::OPERATOR_KIND_UNSPECIFIED);
  EXPECT_EQ(r.source, "unknown");
  EXPECT_EQ(ResolveOperatorKind("s", "s", false, true, false, nullptr).kind,
            v1::OPERATOR_KIND_SOURCE);
  EXPECT_EQ(ResolveOperatorKind("k", "s", false, false, false, nullptr).kind,
            v1::OPERATOR_KIND_SOURCE);
  EXPECT_EQ(ResolveOperatorKind("out", "out", true, false, false, nullptr).kind,
            v1::OPERATOR_KIND_SINK);
  EXPECT_EQ(
      ResolveOperatorKind("aggregate", "aggregate", true, true, true, nullptr).kind,
      v1::OPERATOR_KIND_KEYED_AGGREGATE);
  EXPECT_EQ(OperatorKindName(v1::OPERATOR_KIND_UNSPECIFIED), "unknown");
  EXPECT_EQ(OperatorKindName(v1::OPERATOR_KIND_FLAT_MAP), "flat_map");
}

}  // namespace
}  // namespace streamtune::flink
