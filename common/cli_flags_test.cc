#include "common/cli_flags.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, cli_flags_test_count, 3, "an integer flag of this test");
ABSL_FLAG(bool, cli_flags_test_verbose, false, "a boolean flag of this test");
ABSL_FLAG(std::string, cli_flags_test_name, "", "a text flag of this test");

namespace streamtune {
namespace {

using ::testing::ElementsAre;

// ParseFlags on argv = {"tool", args...}; flags are restored afterwards.
absl::StatusOr<std::vector<std::string>> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseFlags, SetsFlagsAndReturnsThePositionalArgumentsInOrder) {
  absl::FlagSaver saver;
  auto positional =
      Parse({"run", "--cli_flags_test_count=7", "a.json", "--cli_flags_test_name", "x",
             "--cli_flags_test_verbose", "b.json"});
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("run", "a.json", "b.json"));
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_flags_test_count), 7);
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_flags_test_name), "x");
  EXPECT_TRUE(absl::GetFlag(FLAGS_cli_flags_test_verbose));
}

TEST(ParseFlags, DoubleDashEndsTheFlags) {
  absl::FlagSaver saver;
  auto positional = Parse({"--cli_flags_test_count=2", "--", "--not-a-flag"});
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("--not-a-flag"));
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_flags_test_count), 2);
}

TEST(ParseFlags, NegatesABooleanWithNo) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_cli_flags_test_verbose, true);
  ASSERT_TRUE(Parse({"--nocli_flags_test_verbose"}).ok());
  EXPECT_FALSE(absl::GetFlag(FLAGS_cli_flags_test_verbose));
}

TEST(ParseFlags, NamesTheFlagOfEveryBadCommandLine) {
  absl::FlagSaver saver;
  EXPECT_EQ(Parse({"--cli_flags_test_bogus=1"}).status(),
            absl::InvalidArgumentError("unknown flag --cli_flags_test_bogus"));
  EXPECT_EQ(Parse({"--cli_flags_test_name"}).status(),
            absl::InvalidArgumentError("--cli_flags_test_name: needs a value"));
  EXPECT_EQ(Parse({"--cli_flags_test_count=many"}).status(),
            absl::InvalidArgumentError(
                "--cli_flags_test_count: want an integer, got \"many\""));
  // --no only negates booleans.
  EXPECT_EQ(Parse({"--nocli_flags_test_count"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequireNoArguments, AcceptsNoneAndNamesTheFirstOtherwise) {
  EXPECT_TRUE(RequireNoArguments({}).ok());
  EXPECT_EQ(RequireNoArguments({"extra", "more"}),
            absl::InvalidArgumentError("unexpected argument \"extra\""));
}

TEST(RequireCommand, NamesTheOnlyCommand) {
  EXPECT_TRUE(RequireCommand({"run", "x.json"}, "run").ok());
  EXPECT_EQ(RequireCommand({}, "run"),
            absl::InvalidArgumentError("missing command (only \"run\" exists)"));
  EXPECT_EQ(
      RequireCommand({"walk"}, "run"),
      absl::InvalidArgumentError("unknown command \"walk\" (only \"run\" exists)"));
}

TEST(UsageErrorText, NamesTheProgramAndPointsAtHelp) {
  EXPECT_EQ(UsageErrorText("tool", absl::InvalidArgumentError("unknown flag --x")),
            "tool: unknown flag --x\nrun 'tool --help' for usage\n");
}

}  // namespace
}  // namespace streamtune
