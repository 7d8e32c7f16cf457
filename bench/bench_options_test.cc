#include "bench/bench_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseBenchArgs, TakesSeveralValuesPerFlagAndRepeatedFlags) {
  auto options = ParseBenchArgs({"run", "--workload", "a.json", "b.json", "--policy",
                                 "ds2", "--workload", "c.json", "--policy", "conttune",
                                 "flink-autoscaler", "--out", "out", "--print-decisions"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_THAT(options->workload_files, ElementsAre("a.json", "b.json", "c.json"));
  EXPECT_THAT(options->policies, ElementsAre("ds2", "conttune", "flink-autoscaler"));
  EXPECT_EQ(options->out_dir, "out");
  EXPECT_TRUE(options->print_decisions);
  EXPECT_TRUE(options->server.empty());
  EXPECT_THAT(options->command_line, HasSubstr("streamtune-bench run --workload a.json"));
}

TEST(ParseBenchArgs, ReadsServerTenantAndStateDir) {
  auto options = ParseBenchArgs({"run", "--workload", "a.json", "--policy", "ds2", "--out",
                                 "o", "--server", "127.0.0.1:1", "--tenant", "t",
                                 "--state-dir", "/s"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "127.0.0.1:1");
  EXPECT_EQ(options->tenant, "t");
  EXPECT_EQ(options->state_dir, "/s");
}

TEST(ParseBenchArgs, RejectsWhatIsMissingOrUnknown) {
  EXPECT_EQ(ParseBenchArgs({}).status().message(), "missing command (only \"run\" exists)");
  EXPECT_THAT(std::string(ParseBenchArgs({"walk"}).status().message()),
              HasSubstr("unknown command \"walk\""));
  EXPECT_EQ(ParseBenchArgs({"run", "--policy", "ds2", "--out", "o"}).status().message(),
            "--workload: at least one workload file is required");
  EXPECT_EQ(ParseBenchArgs({"run", "--workload", "a", "--out", "o"}).status().message(),
            "--policy: at least one policy is required");
  EXPECT_EQ(ParseBenchArgs({"run", "--workload", "a", "--policy", "p"}).status().message(),
            "--out: required");
  EXPECT_EQ(ParseBenchArgs({"run", "--workload", "--policy", "p"}).status().message(),
            "--workload: needs a value");
  EXPECT_EQ(ParseBenchArgs({"run", "--bogus"}).status().message(),
            "unknown argument \"--bogus\"");
}

}  // namespace
}  // namespace streamtune::bench
