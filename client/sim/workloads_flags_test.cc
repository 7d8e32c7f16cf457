#include "client/sim/workloads_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, family);
ABSL_DECLARE_FLAG(int, count);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, rates);
ABSL_DECLARE_FLAG(std::string, trace);
ABSL_DECLARE_FLAG(std::vector<std::string>, follow);
ABSL_DECLARE_FLAG(int, peak_parallelism);

namespace streamtune::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(const std::vector<std::string>& positional) {
  return std::string(WorkloadsCommandFromFlags(positional).status().message());
}

TEST(WorkloadsCommandFromFlags, Generate) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_family, "chain");
  absl::SetFlag(&FLAGS_count, 3);
  absl::SetFlag(&FLAGS_seed, 5);
  absl::SetFlag(&FLAGS_out, "dir");
  absl::StatusOr<WorkloadsCommand> command = WorkloadsCommandFromFlags({"generate"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->name, "generate");
  EXPECT_EQ(command->generate.family, "chain");
  EXPECT_EQ(command->generate.count, 3);
  EXPECT_EQ(command->generate.seed, 5u);
  EXPECT_EQ(command->generate.out_dir, "dir");
  EXPECT_EQ(command->generate.rates, RateFamily::kSteps);
  EXPECT_EQ(command->generate.trace, "");
  absl::SetFlag(&FLAGS_family, "all");
  EXPECT_TRUE(WorkloadsCommandFromFlags({"generate"}).ok());
}

TEST(WorkloadsCommandFromFlags, GenerateWithTraceRates) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_family, "chain");
  absl::SetFlag(&FLAGS_out, "dir");
  absl::SetFlag(&FLAGS_rates, "trace");
  absl::StatusOr<WorkloadsCommand> command = WorkloadsCommandFromFlags({"generate"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->generate.rates, RateFamily::kTrace);
  absl::SetFlag(&FLAGS_trace, "wiki_de_1h");
  command = WorkloadsCommandFromFlags({"generate"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->generate.trace, "wiki_de_1h");
  // A CSV file is only read when the command runs.
  absl::SetFlag(&FLAGS_trace, "/some/where/mine.csv");
  command = WorkloadsCommandFromFlags({"generate"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->generate.trace, "/some/where/mine.csv");
}

TEST(WorkloadsCommandFromFlags, Retrace) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_follow, {"persons:wiki_de_1h:96", "auctions:my.csv:0:0.5"});
  absl::SetFlag(&FLAGS_peak_parallelism, 12);
  absl::SetFlag(&FLAGS_out, "out.json");
  absl::StatusOr<WorkloadsCommand> command =
      WorkloadsCommandFromFlags({"retrace", "in.json"});
  ASSERT_TRUE(command.ok()) << command.status();
  const RetraceOptions& retrace = command->retrace;
  ASSERT_EQ(retrace.follows.size(), 2u);
  EXPECT_EQ(retrace.follows[0].source, "persons");
  EXPECT_EQ(retrace.follows[0].trace, "wiki_de_1h");
  EXPECT_EQ(retrace.follows[0].start, 96);
  EXPECT_EQ(retrace.follows[0].weight, 1);
  EXPECT_EQ(retrace.follows[1].trace, "my.csv");
  EXPECT_EQ(retrace.follows[1].weight, 0.5);
  EXPECT_EQ(retrace.peak_parallelism, 12);
  EXPECT_EQ(retrace.in_file, "in.json");
  EXPECT_EQ(retrace.out_file, "out.json");
}

TEST(WorkloadsCommandFromFlags, TraceFlagsNameTheProblem) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_family, "chain");
  absl::SetFlag(&FLAGS_out, "dir");
  absl::SetFlag(&FLAGS_rates, "spikes");
  EXPECT_EQ(Error({"generate"}),
            "--rates: unknown rate family \"spikes\" (known: steps, trace)");
  absl::SetFlag(&FLAGS_rates, "steps");
  absl::SetFlag(&FLAGS_trace, "wiki_de_1h");
  EXPECT_EQ(Error({"generate"}), "--trace: applies to --rates=trace only");
  absl::SetFlag(&FLAGS_rates, "trace");
  absl::SetFlag(&FLAGS_trace, "wiki");
  EXPECT_THAT(Error({"generate"}),
              HasSubstr("--trace: unknown trace \"wiki\" (shipped: avazu_1h, "));
  absl::SetFlag(&FLAGS_follow, {"a:wiki_de_1h:0"});
  EXPECT_EQ(Error({"generate"}), "generate: --follow applies to retrace only");
  EXPECT_EQ(Error({"retrace", "in.json"}),
            "retrace: --family applies to generate only");

  absl::SetFlag(&FLAGS_family, "");
  absl::SetFlag(&FLAGS_rates, "steps");
  absl::SetFlag(&FLAGS_trace, "");
  EXPECT_EQ(Error({"retrace", "in.json"}),
            "--peak_parallelism: must be an integer in [1, 32768], got \"0\"");
  absl::SetFlag(&FLAGS_peak_parallelism, 8);
  EXPECT_EQ(Error({"retrace"}), "retrace: expected one IN.json, got 0 arguments");
  EXPECT_EQ(Error({"oracle", "a.json"}), "oracle: --follow applies to retrace only");
  for (const char* bad : {"a:wiki_de_1h", "a:wiki_de_1h:-1", "a:wiki_de_1h:x",
                          "a:wiki_de_1h:0:0", ":wiki_de_1h:0", "a:wiki_de_1h:0:1:2"}) {
    absl::SetFlag(&FLAGS_follow, {bad});
    EXPECT_EQ(Error({"retrace", "in.json"}),
              absl::StrCat("--follow: expected SOURCE:TRACE:START[:WEIGHT] with START "
                           ">= 0 and WEIGHT > 0, got \"",
                           bad, "\""));
  }
  absl::SetFlag(&FLAGS_follow, {"a:nope:0"});
  EXPECT_THAT(Error({"retrace", "in.json"}),
              HasSubstr("--follow: unknown trace \"nope\""));
  absl::SetFlag(&FLAGS_follow, {});
  EXPECT_EQ(Error({"retrace", "in.json"}), "--follow: required");
  absl::SetFlag(&FLAGS_peak_parallelism, 0);
  EXPECT_EQ(Error({"validate", "a.json"}),
            "validate: --out applies to generate and retrace only");
}

TEST(WorkloadsCommandFromFlags, ValidateAndFamilies) {
  absl::FlagSaver saver;
  absl::StatusOr<WorkloadsCommand> command =
      WorkloadsCommandFromFlags({"validate", "a.json", "b.json"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_THAT(command->files, ElementsAre("a.json", "b.json"));
  command = WorkloadsCommandFromFlags({"oracle", "a.json"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_THAT(command->files, ElementsAre("a.json"));
  command = WorkloadsCommandFromFlags({"families"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->name, "families");
  command = WorkloadsCommandFromFlags({"traces"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->name, "traces");
}

TEST(WorkloadsCommandFromFlags, NamesTheProblem) {
  absl::FlagSaver saver;
  EXPECT_EQ(Error({}), "a command is required");
  EXPECT_EQ(Error({"frob"}), "unknown command \"frob\"");
  EXPECT_EQ(Error({"validate"}), "validate: at least one FILE is required");
  EXPECT_EQ(Error({"families", "x"}), "families: unexpected argument \"x\"");
  EXPECT_EQ(Error({"traces", "x"}), "traces: unexpected argument \"x\"");
  EXPECT_EQ(Error({"oracle"}), "oracle: at least one FILE is required");
  EXPECT_EQ(Error({"generate"}), "--family: required");
  absl::SetFlag(&FLAGS_family, "nope");
  EXPECT_EQ(Error({"validate", "a.json"}),
            "validate: --family applies to generate only");
  absl::SetFlag(&FLAGS_out, "dir");
  EXPECT_THAT(Error({"generate"}),
              HasSubstr("--family: unknown family \"nope\" (known: all, "));
  absl::SetFlag(&FLAGS_family, "chain");
  EXPECT_EQ(Error({"generate", "extra"}), "generate: unexpected argument \"extra\"");
  absl::SetFlag(&FLAGS_count, 0);
  EXPECT_EQ(Error({"generate"}),
            "--count: must be an integer in [1, 100000], got \"0\"");
  absl::SetFlag(&FLAGS_count, 1);
  absl::SetFlag(&FLAGS_out, "");
  EXPECT_EQ(Error({"generate"}), "--out: required");
}

}  // namespace
}  // namespace streamtune::sim
