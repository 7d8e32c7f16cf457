#include "client/history/history_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(int, jobs);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, minutes);
ABSL_DECLARE_FLAG(std::vector<std::string>, family);
ABSL_DECLARE_FLAG(double, trace_share);
ABSL_DECLARE_FLAG(std::vector<std::string>, exclude);
ABSL_DECLARE_FLAG(bool, default_exclude);
ABSL_DECLARE_FLAG(std::string, workloads_out);
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, state_dir);
ABSL_DECLARE_FLAG(std::string, tenant);
ABSL_DECLARE_FLAG(int, concurrency);
ABSL_DECLARE_FLAG(bool, label_counts);

namespace streamtune::history {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(const std::vector<std::string>& positional) {
  return std::string(HistoryOptionsFromFlags(positional).status().message());
}

TEST(HistoryOptionsFromFlags, DefaultsMatchTheUsage) {
  absl::FlagSaver saver;
  absl::StatusOr<HistoryCliOptions> options = HistoryOptionsFromFlags({"generate"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->history.jobs, 300);
  EXPECT_EQ(options->history.seed, 1u);
  EXPECT_EQ(options->history.min_minutes, 20);
  EXPECT_EQ(options->history.max_minutes, 40);
  EXPECT_EQ(options->history.concurrency, 4);
  EXPECT_DOUBLE_EQ(options->history.trace_share, 1.0 / 3);
  EXPECT_EQ(options->tenant, "default");
  EXPECT_EQ(options->server, "");
  EXPECT_EQ(options->state_dir, "/tmp/streamtune-history-state");
  EXPECT_TRUE(options->default_exclude);
  EXPECT_TRUE(options->history.count_labels);
}

TEST(HistoryOptionsFromFlags, ReadsEveryFlag) {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_jobs, 5);
  absl::SetFlag(&FLAGS_seed, 42);
  absl::SetFlag(&FLAGS_minutes, "10");
  absl::SetFlag(&FLAGS_exclude, {"a.json", "b.json"});
  absl::SetFlag(&FLAGS_workloads_out, "out");
  absl::SetFlag(&FLAGS_server, "localhost:1");
  absl::SetFlag(&FLAGS_tenant, "t1");
  absl::SetFlag(&FLAGS_family, {"chain", "diamond"});
  absl::SetFlag(&FLAGS_concurrency, 2);
  absl::SetFlag(&FLAGS_label_counts, false);
  absl::SetFlag(&FLAGS_default_exclude, false);
  absl::SetFlag(&FLAGS_trace_share, 0.5);
  absl::StatusOr<HistoryCliOptions> options = HistoryOptionsFromFlags({"generate"});
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
  EXPECT_EQ(options->history.trace_share, 0.5);

  absl::SetFlag(&FLAGS_server, "");
  absl::SetFlag(&FLAGS_minutes, "15-25");
  absl::SetFlag(&FLAGS_state_dir, "/x");
  options = HistoryOptionsFromFlags({"generate"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->history.min_minutes, 15);
  EXPECT_EQ(options->history.max_minutes, 25);
  EXPECT_EQ(options->state_dir, "/x");
}

TEST(HistoryOptionsFromFlags, NamesTheFlagOfEveryError) {
  absl::FlagSaver saver;
  EXPECT_THAT(Error({}), HasSubstr("missing command"));
  EXPECT_THAT(Error({"run"}), HasSubstr("unknown command \"run\""));
  EXPECT_THAT(Error({"generate", "b.json"}),
              HasSubstr("unexpected argument \"b.json\""));
  absl::SetFlag(&FLAGS_jobs, 0);
  EXPECT_THAT(Error({"generate"}), HasSubstr("--jobs: expected an integer >= 1"));
  absl::SetFlag(&FLAGS_jobs, 1);
  absl::SetFlag(&FLAGS_concurrency, 0);
  EXPECT_THAT(Error({"generate"}),
              HasSubstr("--concurrency: expected an integer >= 1"));
  absl::SetFlag(&FLAGS_concurrency, 1);
  for (const char* minutes : {"30-20", "0", "x", "1-2-3", ""}) {
    absl::SetFlag(&FLAGS_minutes, minutes);
    EXPECT_THAT(Error({"generate"}), HasSubstr("--minutes: expected")) << minutes;
  }
  absl::SetFlag(&FLAGS_minutes, "10");
  for (double share : {-0.1, 1.5}) {
    absl::SetFlag(&FLAGS_trace_share, share);
    EXPECT_THAT(Error({"generate"}),
                HasSubstr("--trace_share: expected a number in [0, 1]"))
        << share;
  }
  absl::SetFlag(&FLAGS_trace_share, 0.25);
  absl::SetFlag(&FLAGS_server, "h:1");
  absl::SetFlag(&FLAGS_state_dir, "/x");
  EXPECT_THAT(Error({"generate"}), HasSubstr("exclude each other"));
}

}  // namespace
}  // namespace streamtune::history
