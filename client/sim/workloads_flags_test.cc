#include "client/sim/workloads_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, family);
ABSL_DECLARE_FLAG(int, count);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, out);

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
  absl::SetFlag(&FLAGS_family, "all");
  EXPECT_TRUE(WorkloadsCommandFromFlags({"generate"}).ok());
}

TEST(WorkloadsCommandFromFlags, ValidateAndFamilies) {
  absl::FlagSaver saver;
  absl::StatusOr<WorkloadsCommand> command =
      WorkloadsCommandFromFlags({"validate", "a.json", "b.json"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_THAT(command->files, ElementsAre("a.json", "b.json"));
  command = WorkloadsCommandFromFlags({"families"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->name, "families");
}

TEST(WorkloadsCommandFromFlags, NamesTheProblem) {
  absl::FlagSaver saver;
  EXPECT_EQ(Error({}), "a command is required");
  EXPECT_EQ(Error({"frob"}), "unknown command \"frob\"");
  EXPECT_EQ(Error({"validate"}), "validate: at least one FILE is required");
  EXPECT_EQ(Error({"families", "x"}), "families: unexpected argument \"x\"");
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
