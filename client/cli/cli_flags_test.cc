#include "client/cli/cli_flags.h"

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, tenant);
ABSL_DECLARE_FLAG(std::string, timeout);
ABSL_DECLARE_FLAG(std::string, wait);
ABSL_DECLARE_FLAG(std::string, snapshot);
ABSL_DECLARE_FLAG(std::string, policy);
ABSL_DECLARE_FLAG(int32_t, page_size);
ABSL_DECLARE_FLAG(bool, all);
ABSL_DECLARE_FLAG(std::string, start_time);
ABSL_DECLARE_FLAG(std::string, end_time);
ABSL_DECLARE_FLAG(int64_t, version);
ABSL_DECLARE_FLAG(int64_t, seed);
ABSL_DECLARE_FLAG(int64_t, max_training_steps);

namespace streamtune {
namespace cli {
namespace {

using ::testing::HasSubstr;

// Each test starts from the defaults and sets the flags it needs.
class InvocationFromFlagsTest : public ::testing::Test {
 protected:
  absl::Status Parse(const std::vector<std::string>& positional) {
    return InvocationFromFlags(positional, &inv_);
  }
  std::string Error(const std::vector<std::string>& positional) {
    absl::Status status = Parse(positional);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  }
  std::string ErrorWithServer(const std::vector<std::string>& positional) {
    absl::SetFlag(&FLAGS_server, "h:1");
    return Error(positional);
  }

  absl::FlagSaver restore_flags_;
  Invocation inv_;
};

TEST_F(InvocationFromFlagsTest, RecommendWithGlobalFlags) {
  absl::SetFlag(&FLAGS_server, "localhost:50051");
  absl::SetFlag(&FLAGS_tenant, "acme");
  absl::SetFlag(&FLAGS_timeout, "2s");
  absl::SetFlag(&FLAGS_snapshot, "a.json");
  absl::SetFlag(&FLAGS_policy, "ds2");
  ASSERT_TRUE(Parse({"recommend"}).ok());
  EXPECT_EQ(inv_.global.server, "localhost:50051");
  EXPECT_EQ(inv_.global.tenant, "acme");
  EXPECT_EQ(inv_.global.timeout, absl::Seconds(2));
  EXPECT_EQ(inv_.command.name, "recommend");
  EXPECT_EQ(inv_.command.snapshot_path, "a.json");
  EXPECT_EQ(inv_.command.policy, "ds2");
  EXPECT_FALSE(inv_.help);
}

TEST_F(InvocationFromFlagsTest, TimeoutAcceptsDurationsAndPlainSeconds) {
  absl::SetFlag(&FLAGS_server, "h:1");
  absl::SetFlag(&FLAGS_timeout, "500ms");
  ASSERT_TRUE(Parse({"health"}).ok());
  EXPECT_EQ(inv_.global.timeout, absl::Milliseconds(500));
  absl::SetFlag(&FLAGS_timeout, "2.5");
  ASSERT_TRUE(Parse({"models"}).ok());
  EXPECT_EQ(inv_.global.timeout, absl::Milliseconds(2500));
}

TEST_F(InvocationFromFlagsTest, DefaultTimeoutIsTenSeconds) {
  absl::SetFlag(&FLAGS_server, "h:1");
  ASSERT_TRUE(Parse({"models"}).ok());
  EXPECT_EQ(inv_.global.timeout, absl::Seconds(10));
}

TEST_F(InvocationFromFlagsTest, JobsFlags) {
  absl::SetFlag(&FLAGS_server, "h:1");
  absl::SetFlag(&FLAGS_page_size, 5);
  absl::SetFlag(&FLAGS_all, true);
  ASSERT_TRUE(Parse({"jobs"}).ok());
  EXPECT_EQ(inv_.command.page_size, 5);
  EXPECT_TRUE(inv_.command.all_pages);
}

TEST_F(InvocationFromFlagsTest, TimeRangeFlags) {
  absl::SetFlag(&FLAGS_server, "h:1");
  absl::SetFlag(&FLAGS_start_time, "2026-11-23T10:00:00+01:00");
  absl::SetFlag(&FLAGS_end_time, "2026-11-23T10:00:00Z");
  ASSERT_TRUE(Parse({"recommendations", "wc"}).ok());
  EXPECT_EQ(inv_.command.job_id, "wc");
  ASSERT_TRUE(inv_.command.start_time.has_value());
  EXPECT_EQ(*inv_.command.end_time - *inv_.command.start_time, absl::Hours(1));
  const absl::Time before = absl::Now();
  absl::SetFlag(&FLAGS_start_time, "90m");
  absl::SetFlag(&FLAGS_end_time, "");
  ASSERT_TRUE(Parse({"jobs"}).ok());
  EXPECT_LE(*inv_.command.start_time, before - absl::Minutes(90) + absl::Seconds(1));
  EXPECT_GE(*inv_.command.start_time, before - absl::Minutes(91));
  EXPECT_FALSE(inv_.command.end_time.has_value());
}

TEST_F(InvocationFromFlagsTest, BadTimeRanges) {
  absl::SetFlag(&FLAGS_start_time, "yesterday");
  EXPECT_THAT(ErrorWithServer({"jobs"}),
              HasSubstr("jobs: --start_time: want an RFC 3339 time"));
  absl::SetFlag(&FLAGS_start_time, "2026-01-02T00:00:00Z");
  absl::SetFlag(&FLAGS_end_time, "2026-01-01T00:00:00Z");
  EXPECT_EQ(Error({"jobs"}), "jobs: --end_time: must be after --start_time");
  absl::SetFlag(&FLAGS_end_time, "");
  absl::SetFlag(&FLAGS_start_time, "1h");
  EXPECT_EQ(Error({"history", "j"}),
            "history: --start_time does not apply to this command");
  absl::SetFlag(&FLAGS_start_time, "");
  EXPECT_EQ(Error({"recommendations"}), "recommendations: missing JOB");
}

TEST_F(InvocationFromFlagsTest, PositionalArguments) {
  absl::SetFlag(&FLAGS_server, "h:1");
  ASSERT_TRUE(Parse({"job", "linear-chain"}).ok());
  EXPECT_EQ(inv_.command.job_id, "linear-chain");
  ASSERT_TRUE(Parse({"history", "wc"}).ok());
  EXPECT_EQ(inv_.command.job_id, "wc");
  absl::SetFlag(&FLAGS_version, 7);
  ASSERT_TRUE(Parse({"model", "global"}).ok());
  EXPECT_EQ(inv_.command.model_id, "global");
  EXPECT_EQ(inv_.command.version, 7);
}

TEST_F(InvocationFromFlagsTest, PretrainSeedAndHealthWait) {
  absl::SetFlag(&FLAGS_server, "h:1");
  absl::SetFlag(&FLAGS_seed, -3);
  absl::SetFlag(&FLAGS_max_training_steps, 50);
  ASSERT_TRUE(Parse({"pretrain"}).ok());
  EXPECT_EQ(inv_.command.seed, -3);
  EXPECT_EQ(inv_.command.max_training_steps, 50);
  absl::SetFlag(&FLAGS_max_training_steps, -1);
  EXPECT_THAT(Error({"pretrain"}),
              HasSubstr("--max_training_steps: want an integer in [0, 1000000]"));
  absl::SetFlag(&FLAGS_seed, 0);
  absl::SetFlag(&FLAGS_max_training_steps, 0);
  absl::SetFlag(&FLAGS_wait, "30s");
  ASSERT_TRUE(Parse({"health"}).ok());
  EXPECT_EQ(inv_.command.wait, absl::Seconds(30));
}

TEST_F(InvocationFromFlagsTest, HelpNeedsNoServer) {
  ASSERT_TRUE(Parse({"help"}).ok());
  EXPECT_TRUE(inv_.help);
  EXPECT_EQ(inv_.command.name, "");
  ASSERT_TRUE(Parse({"help", "jobs"}).ok());
  EXPECT_TRUE(inv_.help);
  EXPECT_EQ(inv_.command.name, "jobs");
}

TEST_F(InvocationFromFlagsTest, UsageErrorsNameTheProblem) {
  EXPECT_EQ(Error({}), "missing COMMAND");
  absl::SetFlag(&FLAGS_snapshot, "a.json");
  EXPECT_EQ(Error({"recommend"}), "recommend: missing --server=HOST:PORT");
  absl::SetFlag(&FLAGS_snapshot, "");
  EXPECT_EQ(ErrorWithServer({"frobnicate"}), "unknown command \"frobnicate\"");
  EXPECT_EQ(Error({"recommend"}), "recommend: missing --snapshot FILE.json");
  EXPECT_EQ(Error({"job"}), "job: missing JOB");
  EXPECT_EQ(Error({"model"}), "model: missing ID");
  EXPECT_EQ(Error({"job", "a", "b"}), "job: unexpected argument \"b\"");
  absl::SetFlag(&FLAGS_snapshot, "x");
  EXPECT_EQ(Error({"jobs"}), "jobs: --snapshot does not apply to this command");
  absl::SetFlag(&FLAGS_snapshot, "");
  absl::SetFlag(&FLAGS_page_size, 1001);
  EXPECT_THAT(Error({"jobs"}),
              HasSubstr("jobs: --page_size: want an integer in [0, 1000]"));
  absl::SetFlag(&FLAGS_page_size, 0);
  absl::SetFlag(&FLAGS_version, -1);
  EXPECT_THAT(Error({"model", "m"}), HasSubstr("--version: want an integer in [0, "));
  absl::SetFlag(&FLAGS_version, 0);
  absl::SetFlag(&FLAGS_timeout, "0s");
  EXPECT_THAT(Error({"models"}), HasSubstr("--timeout: want a positive duration"));
  absl::SetFlag(&FLAGS_timeout, "soon");
  EXPECT_THAT(Error({"models"}), HasSubstr("--timeout: want a positive duration"));
  EXPECT_EQ(Error({"help", "nope"}), "unknown command \"nope\"");
}

TEST_F(InvocationFromFlagsTest, ErrorKeepsTheCommandForUsage) {
  absl::SetFlag(&FLAGS_server, "h:1");
  EXPECT_FALSE(Parse({"recommend"}).ok());
  EXPECT_EQ(inv_.command.name, "recommend");
}

TEST(Usage, ListsEveryCommand) {
  const std::string usage = GeneralUsage();
  for (const char* command : {"health", "recommend", "report", "jobs", "job", "history",
                              "models", "model", "pretrain"}) {
    EXPECT_TRUE(IsCommand(command));
    EXPECT_THAT(usage, HasSubstr(std::string("\n  ") + command));
  }
  EXPECT_FALSE(IsCommand("help"));
}

TEST(Usage, CommandUsageStartsWithItsSynopsis) {
  EXPECT_THAT(
      CommandUsage("recommend"),
      ::testing::StartsWith("usage: streamtunectl [GLOBAL FLAGS] recommend --snapshot "
                            "FILE.json [--policy NAME]\n"));
  EXPECT_EQ(CommandUsage("nope"), GeneralUsage());
}

}  // namespace
}  // namespace cli
}  // namespace streamtune
