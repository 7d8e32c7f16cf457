#include "client/cli/args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace cli {
namespace {

using ::testing::HasSubstr;

absl::Status Parse(std::vector<std::string> args, Invocation* inv) {
  return ParseArgs(args, inv);
}

std::string Error(std::vector<std::string> args) {
  Invocation inv;
  absl::Status status = ParseArgs(args, &inv);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

TEST(ParseArgs, RecommendWithEveryFlagForm) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=localhost:50051", "--tenant", "acme",
                     "--timeout=2s", "recommend", "--snapshot", "a.json",
                     "--policy=ds2"},
                    &inv)
                  .ok());
  EXPECT_EQ(inv.global.server, "localhost:50051");
  EXPECT_EQ(inv.global.tenant, "acme");
  EXPECT_EQ(inv.global.timeout, absl::Seconds(2));
  EXPECT_EQ(inv.command.name, "recommend");
  EXPECT_EQ(inv.command.snapshot_path, "a.json");
  EXPECT_EQ(inv.command.policy, "ds2");
  EXPECT_FALSE(inv.help);
}

TEST(ParseArgs, GlobalFlagsMayFollowTheCommand) {
  Invocation inv;
  ASSERT_TRUE(Parse({"health", "--server", "h:1", "--timeout=500ms"}, &inv)
                  .ok());
  EXPECT_EQ(inv.global.server, "h:1");
  EXPECT_EQ(inv.global.timeout, absl::Milliseconds(500));
}

TEST(ParseArgs, TimeoutAcceptsPlainSeconds) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "--timeout=2.5", "models"}, &inv).ok());
  EXPECT_EQ(inv.global.timeout, absl::Milliseconds(2500));
}

TEST(ParseArgs, DefaultTimeoutIsTenSeconds) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "models"}, &inv).ok());
  EXPECT_EQ(inv.global.timeout, absl::Seconds(10));
}

TEST(ParseArgs, JobsFlags) {
  Invocation inv;
  ASSERT_TRUE(
      Parse({"--server=h:1", "jobs", "--page_size", "5", "--all"}, &inv).ok());
  EXPECT_EQ(inv.command.page_size, 5);
  EXPECT_TRUE(inv.command.all_pages);
}

TEST(ParseArgs, TimeRangeFlags) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "recommendations", "wc", "--start_time",
                     "2026-11-23T10:00:00+01:00", "--end_time=2026-11-23T10:00:00Z"},
                    &inv)
                  .ok());
  EXPECT_EQ(inv.command.job_id, "wc");
  ASSERT_TRUE(inv.command.start_time.has_value());
  EXPECT_EQ(*inv.command.end_time - *inv.command.start_time, absl::Hours(1));
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Parse({"--server=h:1", "jobs", "--start_time=90m"}, &inv).ok());
  EXPECT_LE(*inv.command.start_time, before - absl::Minutes(90) + absl::Seconds(1));
  EXPECT_GE(*inv.command.start_time, before - absl::Minutes(91));
  EXPECT_FALSE(inv.command.end_time.has_value());
}

TEST(ParseArgs, BadTimeRanges) {
  EXPECT_THAT(Error({"--server=h:1", "jobs", "--start_time=yesterday"}),
              HasSubstr("jobs: --start_time: want an RFC 3339 time"));
  EXPECT_EQ(Error({"--server=h:1", "jobs", "--start_time=2026-01-02T00:00:00Z",
                   "--end_time=2026-01-01T00:00:00Z"}),
            "jobs: --end_time: must be after --start_time");
  EXPECT_EQ(Error({"--server=h:1", "history", "j", "--start_time=1h"}),
            "history: unknown flag --start_time");
  EXPECT_EQ(Error({"--server=h:1", "recommendations"}), "recommendations: missing JOB");
}

TEST(ParseArgs, PositionalArguments) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "job", "linear-chain"}, &inv).ok());
  EXPECT_EQ(inv.command.job_id, "linear-chain");
  ASSERT_TRUE(Parse({"--server=h:1", "history", "wc"}, &inv).ok());
  EXPECT_EQ(inv.command.job_id, "wc");
  ASSERT_TRUE(
      Parse({"--server=h:1", "model", "global", "--version=7"}, &inv).ok());
  EXPECT_EQ(inv.command.model_id, "global");
  EXPECT_EQ(inv.command.version, 7);
}

TEST(ParseArgs, DoubleDashEndsFlags) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "job", "--", "-odd-id"}, &inv).ok());
  EXPECT_EQ(inv.command.job_id, "-odd-id");
}

TEST(ParseArgs, PretrainSeedAndHealthWait) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--server=h:1", "pretrain", "--seed=-3"}, &inv).ok());
  EXPECT_EQ(inv.command.seed, -3);
  ASSERT_TRUE(Parse({"--server=h:1", "pretrain", "--max_training_steps=50"}, &inv).ok());
  EXPECT_EQ(inv.command.max_training_steps, 50);
  EXPECT_FALSE(Parse({"--server=h:1", "pretrain", "--max_training_steps=-1"}, &inv).ok());
  ASSERT_TRUE(Parse({"--server=h:1", "health", "--wait=30s"}, &inv).ok());
  EXPECT_EQ(inv.command.wait, absl::Seconds(30));
}

TEST(ParseArgs, HelpNeedsNoServer) {
  Invocation inv;
  ASSERT_TRUE(Parse({"--help"}, &inv).ok());
  EXPECT_TRUE(inv.help);
  EXPECT_EQ(inv.command.name, "");
  ASSERT_TRUE(Parse({"recommend", "-h"}, &inv).ok());
  EXPECT_TRUE(inv.help);
  EXPECT_EQ(inv.command.name, "recommend");
  ASSERT_TRUE(Parse({"help", "jobs"}, &inv).ok());
  EXPECT_TRUE(inv.help);
  EXPECT_EQ(inv.command.name, "jobs");
}

TEST(ParseArgs, UsageErrorsNameTheProblem) {
  EXPECT_EQ(Error({}), "missing COMMAND");
  EXPECT_EQ(Error({"--server=h:1", "frobnicate"}),
            "unknown command \"frobnicate\"");
  EXPECT_EQ(Error({"recommend", "--snapshot=a.json"}),
            "recommend: missing --server=HOST:PORT");
  EXPECT_EQ(Error({"--server=h:1", "recommend"}),
            "recommend: missing --snapshot FILE.json");
  EXPECT_EQ(Error({"--server=h:1", "recommend", "--snapshot"}),
            "recommend: --snapshot needs a value");
  EXPECT_EQ(Error({"--server=h:1", "job"}), "job: missing JOB");
  EXPECT_EQ(Error({"--server=h:1", "model"}), "model: missing ID");
  EXPECT_EQ(Error({"--server=h:1", "job", "a", "b"}),
            "job: unexpected argument \"b\"");
  EXPECT_EQ(Error({"--server=h:1", "jobs", "--snapshot=x"}),
            "jobs: unknown flag --snapshot");
  EXPECT_EQ(Error({"--server=h:1", "jobs", "--bogus"}),
            "jobs: unknown flag --bogus");
  EXPECT_EQ(Error({"--server=h:1", "jobs", "-x"}), "jobs: unknown flag -x");
  EXPECT_EQ(Error({"--server=h:1", "jobs", "--all=yes"}),
            "jobs: --all takes no value");
  EXPECT_THAT(Error({"--server=h:1", "jobs", "--page_size=1001"}),
              HasSubstr("--page_size: want an integer in [0, 1000]"));
  EXPECT_THAT(Error({"--server=h:1", "model", "m", "--version=x"}),
              HasSubstr("--version: want an integer"));
  EXPECT_THAT(Error({"--timeout=0s", "--server=h:1", "models"}),
              HasSubstr("--timeout: want a positive duration"));
  EXPECT_THAT(Error({"--timeout=soon", "--server=h:1", "models"}),
              HasSubstr("--timeout: want a positive duration"));
  EXPECT_EQ(Error({"help", "nope"}), "unknown command \"nope\"");
}

TEST(ParseArgs, ErrorKeepsTheCommandForUsage) {
  Invocation inv;
  EXPECT_FALSE(Parse({"--server=h:1", "recommend"}, &inv).ok());
  EXPECT_EQ(inv.command.name, "recommend");
}

TEST(Usage, ListsEveryCommand) {
  const std::string usage = GeneralUsage();
  for (const char* command : {"health", "recommend", "report", "jobs", "job",
                              "history", "models", "model", "pretrain"}) {
    EXPECT_TRUE(IsCommand(command));
    EXPECT_THAT(usage, HasSubstr(std::string("\n  ") + command));
  }
  EXPECT_FALSE(IsCommand("help"));
}

TEST(Usage, CommandUsageStartsWithItsSynopsis) {
  EXPECT_THAT(CommandUsage("recommend"),
              ::testing::StartsWith(
                  "usage: streamtunectl [GLOBAL FLAGS] recommend --snapshot "
                  "FILE.json [--policy NAME]\n"));
  EXPECT_EQ(CommandUsage("nope"), GeneralUsage());
}

}  // namespace
}  // namespace cli
}  // namespace streamtune
