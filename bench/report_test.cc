#include "bench/report.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "client/sim/run_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = sim::kNeverConverged;

BenchRun MakeRun(const std::string& workload, const std::string& policy,
                 int reconfigurations, double vs_oracle, double slo,
                 std::vector<double> steps = {1}) {
  BenchRun run;
  run.workload = workload;
  run.policy = policy;
  run.metrics.reconfigurations = reconfigurations;
  run.metrics.parallelism_vs_oracle = vs_oracle;
  run.metrics.avg_total_parallelism = 10 * vs_oracle;
  run.metrics.avg_oracle_total_parallelism = 10;
  run.metrics.slo_attainment = slo;
  run.metrics.avg_lag_s = 2.5;
  run.metrics.max_lag_s = 30;
  run.metrics.oracle_reconfigurations = 5;
  for (double s : steps) run.metrics.rate_changes.push_back({0, 0, 0, s});
  return run;
}

// Two workloads; "st" against "ds2":
//   reconfigurations (1+1)/(7+1) = 0.25 and (0+1)/(1+1) = 0.5 -> sqrt(0.125)
//   parallelism_vs_oracle 1.2/1.5 = 0.8 and 1.0/2.0 = 0.5 -> sqrt(0.4)
std::vector<BenchRun> HandMadeRuns() {
  return {MakeRun("w2", "ds2", 1, 2.0, 1.0), MakeRun("w2", "st", 0, 1.0, 0.9),
          MakeRun("w1", "st", 1, 1.2, 1.0), MakeRun("w1", "ds2", 7, 1.5, 0.8)};
}

size_t Find(const std::string& text, const std::string& what) {
  const size_t at = text.find(what);
  EXPECT_NE(at, std::string::npos) << what << " not in\n" << text;
  return at;
}

TEST(Report, SummaryIsGeometricMeanOfRatiosToDs2) {
  const std::vector<PolicySummary> s =
      SummarizePolicies(HandMadeRuns(), ReportOptions());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].policy, "ds2");  // First seen.
  EXPECT_DOUBLE_EQ(*s[0].reconfigurations_ratio, 1);
  EXPECT_DOUBLE_EQ(*s[0].parallelism_vs_oracle_ratio, 1);
  EXPECT_DOUBLE_EQ(*s[0].min_slo_attainment, 0.8);
  EXPECT_DOUBLE_EQ(*s[0].mean_slo_attainment, 0.9);
  EXPECT_EQ(s[1].policy, "st");
  EXPECT_EQ(s[1].workloads, 2);
  EXPECT_EQ(s[1].compared_workloads, 2);
  EXPECT_DOUBLE_EQ(*s[1].reconfigurations_ratio, std::sqrt(0.125));
  EXPECT_DOUBLE_EQ(*s[1].parallelism_vs_oracle_ratio, std::sqrt(0.4));
  EXPECT_DOUBLE_EQ(*s[1].min_slo_attainment, 0.9);
  EXPECT_DOUBLE_EQ(*s[1].mean_slo_attainment, 0.95);

  const std::string report = RenderReport(HandMadeRuns(), ReportOptions());
  const size_t summary = Find(report, "## Summary per policy");
  EXPECT_GT(Find(report, "| st | 2 | 0.354 | 0.632 | 90.0 | 95.0 |"), summary);
  EXPECT_GT(Find(report, "| ds2 | 2 | 1.000 | 1.000 | 80.0 | 90.0 |"), summary);
  EXPECT_THAT(report, HasSubstr("(reconfigurations + 1) / (ds2 "
                                "reconfigurations + 1)"));
}

TEST(Report, SecondTableAgainstTheOracleAndTheAutoscaler) {
  std::vector<BenchRun> runs = HandMadeRuns();
  // "st" against "fa" on w1 only: (1+1)/(3+1) = 0.5, 1.2/2.4 = 0.5.
  runs.push_back(MakeRun("w1", "fa", 3, 2.4, 0.9));
  ReportOptions options;
  options.second_baseline_policy = "fa";
  const std::vector<PolicySummary> s = SummarizePolicies(runs, options);
  ASSERT_EQ(s[1].policy, "st");
  EXPECT_DOUBLE_EQ(*s[1].parallelism_vs_oracle, std::sqrt(1.2 * 1.0));
  EXPECT_EQ(s[1].second_compared_workloads, 1);
  EXPECT_DOUBLE_EQ(*s[1].second_reconfigurations_ratio, 0.5);
  EXPECT_DOUBLE_EQ(*s[1].second_parallelism_ratio, 0.5);
  const std::string report = RenderReport(runs, options);
  const size_t table = Find(report, "## Against the oracle and fa");
  EXPECT_GT(Find(report, "| st | 1.095 | 0.500 (1 of 2) | 0.500 (1 of 2) |"), table);
  EXPECT_GT(Find(report, "| fa | 2.400 | 1.000 | 1.000 |"), table);
}

TEST(Report, HasATablePerWorkloadSortedWithRowsInPolicyOrder) {
  ReportOptions options;
  options.title = "Nightly";
  options.command_line =
      "streamtune-bench run --policy=ds2 bench/workloads/linear-chain.json";
  options.policy_order = {"st", "absent"};
  options.plot_paths["w1"] = "plots/w1.svg";
  const std::string report = RenderReport(HandMadeRuns(), options);
  EXPECT_EQ(report.rfind("# Nightly\n", 0), 0u);
  const size_t command = Find(report, "```\nstreamtune-bench run --policy=ds2");
  const size_t w1 = Find(report, "## w1\n");
  const size_t w2 = Find(report, "## w2\n");
  EXPECT_LT(command, w1);
  EXPECT_LT(w1, w2);
  EXPECT_THAT(report, HasSubstr("| policy | reconfigurations | avg total "
                                "parallelism | parallelism vs oracle | SLO "
                                "attainment (%) | avg lag (s) | max lag (s) | "
                                "steps to converge | oracle reconfigurations |"));
  // Rows: "st" first as asked, then "ds2" first-seen; "absent" has no row.
  const size_t st_w1 = Find(report,
                            "| st | 1 | 12.00 | 1.200 | 100.0 | 2.5 | "
                            "30.0 | 1 (1/1 converged) | 5 |");
  const size_t ds2_w1 = Find(report, "| ds2 | 7 | 15.00 | 1.500 | 80.0 |");
  EXPECT_LT(w1, st_w1);
  EXPECT_LT(st_w1, ds2_w1);
  EXPECT_LT(ds2_w1, w2);
  EXPECT_THAT(report, Not(HasSubstr("absent")));
  EXPECT_THAT(report, HasSubstr("![w1](<plots/w1.svg>)"));
  EXPECT_THAT(report, Not(HasSubstr("unavailable")));
}

TEST(Report, StepsToConvergeIsMedianOrInfinity) {
  const std::string report = RenderReport(
      {MakeRun("a", "odd", 0, 1, 1, {3, 1, 2}), MakeRun("a", "even", 0, 1, 1, {1, 2}),
       MakeRun("a", "never", 0, 1, 1, {1, kInf, 0}), MakeRun("a", "none", 0, 1, 1, {})},
      ReportOptions());
  EXPECT_THAT(report, HasSubstr("| 2 (3/3 converged) |"));
  EXPECT_THAT(report, HasSubstr("| 1.5 (2/2 converged) |"));
  EXPECT_THAT(report, HasSubstr("| ∞ (2/3 converged) |"));
  EXPECT_THAT(report, HasSubstr("| — (0/0 converged) |"));
}

TEST(Report, SaysRatiosUnavailableWithoutDs2) {
  const std::string report =
      RenderReport({MakeRun("w", "st", 2, 1.1, kNaN)}, ReportOptions());
  EXPECT_THAT(report, HasSubstr("No ds2 run: ratios to ds2 are unavailable."));
  EXPECT_THAT(report, HasSubstr("| st | 1 | n/a | n/a | n/a | n/a |"));
  EXPECT_THAT(report, HasSubstr("| st | 2 | 11.00 | 1.100 | n/a |"));
}

TEST(Report, NanSloAndUncomparableWorkloadsAreLeftOut) {
  std::vector<BenchRun> runs = HandMadeRuns();
  runs.push_back(MakeRun("w3", "st", 3, 1.0, kNaN));  // No ds2 run on w3.
  const std::vector<PolicySummary> s = SummarizePolicies(runs, ReportOptions());
  EXPECT_EQ(s[1].workloads, 3);
  EXPECT_EQ(s[1].compared_workloads, 2);
  EXPECT_DOUBLE_EQ(*s[1].reconfigurations_ratio, std::sqrt(0.125));
  EXPECT_DOUBLE_EQ(*s[1].mean_slo_attainment, 0.95);
  EXPECT_THAT(RenderReport(runs, ReportOptions()),
              HasSubstr("| st | 3 | 0.354 (2 of 3) | 0.632 (2 of 3) |"));
}

TEST(Report, EscapesNamesAndFencesTheCommandLine) {
  ReportOptions options;
  options.command_line = "run --x='```'";
  const std::string report = RenderReport({MakeRun("a|b<c>", "p|q", 0, 1, 1)}, options);
  EXPECT_THAT(report, HasSubstr("## a\\|b&lt;c&gt;\n"));
  EXPECT_THAT(report, HasSubstr("| p\\|q |"));
  EXPECT_THAT(report, HasSubstr("````\nrun --x='```'\n````\n"));
}

}  // namespace
}  // namespace streamtune::bench
