#include "bench/bench_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, policy);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, tenant);
ABSL_DECLARE_FLAG(std::string, state_dir);
ABSL_DECLARE_FLAG(bool, print_decisions);

namespace streamtune::bench {
namespace {

using ::testing::ElementsAre;

std::string Error(const std::vector<std::string>& positional) {
  return std::string(BenchOptionsFromFlags(positional).status().message());
}

TEST(BenchOptionsFromFlags, TakesPoliciesAsAListAndWorkloadsAsPositionals) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_policy, {"ds2", "conttune", "flink-autoscaler"});
  absl::SetFlag(&FLAGS_out, "out");
  absl::SetFlag(&FLAGS_print_decisions, true);
  auto options = BenchOptionsFromFlags({"run", "a.json", "b.json", "c.json"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_THAT(options->workload_files, ElementsAre("a.json", "b.json", "c.json"));
  EXPECT_THAT(options->policies, ElementsAre("ds2", "conttune", "flink-autoscaler"));
  EXPECT_EQ(options->out_dir, "out");
  EXPECT_TRUE(options->print_decisions);
  EXPECT_TRUE(options->server.empty());
  EXPECT_EQ(options->state_dir, "/tmp/streamtune-bench-state");
  EXPECT_EQ(options->command_line,
            "streamtune-bench run --policy=ds2,conttune,flink-autoscaler --out=out "
            "--print_decisions a.json b.json c.json");
}

TEST(BenchOptionsFromFlags, ReadsServerTenantAndStateDir) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_policy, {"ds2"});
  absl::SetFlag(&FLAGS_out, "o");
  absl::SetFlag(&FLAGS_server, "127.0.0.1:1");
  absl::SetFlag(&FLAGS_tenant, "t");
  absl::SetFlag(&FLAGS_state_dir, "/s");
  auto options = BenchOptionsFromFlags({"run", "a.json"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->server, "127.0.0.1:1");
  EXPECT_EQ(options->tenant, "t");
  EXPECT_EQ(options->state_dir, "/s");
  EXPECT_EQ(options->command_line,
            "streamtune-bench run --policy=ds2 --out=o --server=127.0.0.1:1 --tenant=t "
            "--state_dir=/s a.json");
}

TEST(BenchOptionsFromFlags, RejectsWhatIsMissing) {
  absl::FlagSaver saver;
  EXPECT_EQ(Error({}), "missing command (only \"run\" exists)");
  EXPECT_EQ(Error({"walk"}), "unknown command \"walk\" (only \"run\" exists)");
  absl::SetFlag(&FLAGS_out, "o");
  EXPECT_EQ(Error({"run", "a.json"}), "--policy: at least one policy is required");
  absl::SetFlag(&FLAGS_policy, {"ds2"});
  EXPECT_EQ(Error({"run"}),
            "missing WORKLOAD.json: at least one workload file is required");
  absl::SetFlag(&FLAGS_policy, {"ds2", ""});
  EXPECT_EQ(Error({"run", "a.json"}), "--policy: empty name in \"ds2,\"");
  absl::SetFlag(&FLAGS_policy, {"ds2"});
  absl::SetFlag(&FLAGS_out, "");
  EXPECT_EQ(Error({"run", "a.json"}), "--out: required");
}

}  // namespace
}  // namespace streamtune::bench
