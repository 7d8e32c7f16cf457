#include "client/history/history_args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(const std::vector<std::string>& args) {
  return std::string(ParseHistoryArgs(args).status().message());
}

TEST(ParseHistoryArgs, DefaultsMatchTheUsage) {
  absl::StatusOr<HistoryCliOptions> options = ParseHistoryArgs({"generate"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->history.jobs, 300);
  EXPECT_EQ(options->history.seed, 1u);
  EXPECT_EQ(options->history.min_minutes, 20);
  EXPECT_EQ(options->history.max_minutes, 40);
  EXPECT_EQ(options->tenant, "default");
  EXPECT_EQ(options->server, "");
  EXPECT_EQ(options->state_dir, "/tmp/streamtune-history-state");
  EXPECT_TRUE(options->default_exclude);
  EXPECT_TRUE(options->history.count_labels);
}

TEST(ParseHistoryArgs, ReadsEveryFlagInBothSpellings) {
  absl::StatusOr<HistoryCliOptions> options =
      ParseHistoryArgs({"generate",
                        "--jobs",
                        "5",
                        "--seed=42",
                        "--minutes",
                        "10",
                        "--exclude",
                        "a.json",
                        "b.json",
                        "--workloads-out",
                        "out",
                        "--server=localhost:1",
                        "--tenant",
                        "t1",
                        "--family",
                        "chain",
                        "diamond",
                        "--concurrency",
                        "2",
                        "--no-label-counts",
                        "--no-default-exclude"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->history.jobs, 5);
  EXPECT_EQ(options->history.seed, 42u);
  EXPECT_EQ(options->history.min_minutes, 10);
  EXPECT_EQ(options->history.max_minutes, 10);
  EXPECT_THAT(options->history.exclude_files, ElementsAre("a.json", "b.json"));
  EXPECT_THAT(options->history.families, ElementsAre("chain", "diamond"));
  EXPECT_EQ(options->history.workloads_out_dir, "out");
  EXPECT_EQ(options->server, "localhost:1");
  EXPECT_EQ(options->tenant, "t1");
  EXPECT_EQ(options->history.concurrency, 2);
  EXPECT_FALSE(options->history.count_labels);
  EXPECT_FALSE(options->default_exclude);

  options = ParseHistoryArgs({"generate", "--minutes", "15-25", "--state-dir", "/x"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->history.min_minutes, 15);
  EXPECT_EQ(options->history.max_minutes, 25);
  EXPECT_EQ(options->state_dir, "/x");
}

TEST(ParseHistoryArgs, NamesTheFlagOfEveryError) {
  EXPECT_THAT(Error({}), HasSubstr("missing command"));
  EXPECT_THAT(Error({"run"}), HasSubstr("unknown command \"run\""));
  EXPECT_THAT(Error({"generate", "--jobs", "0"}),
              HasSubstr("--jobs: expected an integer >= 1"));
  EXPECT_THAT(Error({"generate", "--jobs"}), HasSubstr("--jobs: needs a value"));
  EXPECT_THAT(Error({"generate", "--seed", "-1"}), HasSubstr("--seed: expected"));
  EXPECT_THAT(Error({"generate", "--minutes", "30-20"}),
              HasSubstr("--minutes: expected"));
  EXPECT_THAT(Error({"generate", "--exclude"}), HasSubstr("--exclude: needs a value"));
  EXPECT_THAT(Error({"generate", "--bogus"}),
              HasSubstr("unknown argument \"--bogus\""));
  EXPECT_THAT(Error({"generate", "--server", "h:1", "--state-dir", "/x"}),
              HasSubstr("exclude each other"));
}

}  // namespace
}  // namespace streamtune::history
