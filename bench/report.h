// report.md of a benchmark: one Markdown table of docs/simulator.md §7 metrics per
// workload and a per-policy summary against the DS2 baseline.
// Pure functions over plain data: thread-safe.
#ifndef STREAMTUNE_BENCH_REPORT_H_
#define STREAMTUNE_BENCH_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_run.h"

namespace streamtune::bench {

struct ReportOptions {
  std::string title = "StreamTune benchmark";
  // Shown verbatim in a code block under the title; omitted when empty.
  std::string command_line;
  // Row order of the tables. Policies not listed follow in first-seen order.
  std::vector<std::string> policy_order;
  // The policy every ratio of the first summary table is taken against.
  std::string baseline_policy = "ds2";
  // The policy of the second summary table (the targets name both).
  std::string second_baseline_policy = "flink-autoscaler";
  // Workload name -> path of its plot, relative to report.md; embedded
  // under that workload's table when present.
  std::map<std::string, std::string> plot_paths;
};

// One policy's summary over the workloads it ran. Only the first run of each
// (workload, policy) pair counts.
struct PolicySummary {
  std::string policy;
  int workloads = 0;  // Workloads with a run of this policy.
  // Workloads with a run of both this policy and the baseline, and those of
  // them whose parallelism_vs_oracle values are both finite and positive.
  int compared_workloads = 0;
  int parallelism_compared_workloads = 0;
  // Geometric means over the compared workloads of the per-workload ratios
  // (reconfigurations + 1) / (baseline reconfigurations + 1), so that a zero
  // count stays finite, and parallelism_vs_oracle / baseline's. nullopt when
  // no workload can be compared.
  std::optional<double> reconfigurations_ratio;
  std::optional<double> parallelism_vs_oracle_ratio;
  // Geometric mean of parallelism_vs_oracle over the workloads where it is
  // finite and positive.
  std::optional<double> parallelism_vs_oracle;
  // The same ratios as above against second_baseline_policy.
  int second_compared_workloads = 0;
  int second_parallelism_compared_workloads = 0;
  std::optional<double> second_reconfigurations_ratio;
  std::optional<double> second_parallelism_ratio;
  // Over workloads whose slo_attainment is not NaN; nullopt if none is.
  std::optional<double> min_slo_attainment;
  std::optional<double> mean_slo_attainment;
};

// Policies in report order (see ReportOptions::policy_order).
std::vector<std::string> OrderedPolicies(const std::vector<BenchRun>& runs,
                                         const ReportOptions& options);

// One summary per policy, in report order.
std::vector<PolicySummary> SummarizePolicies(const std::vector<BenchRun>& runs,
                                             const ReportOptions& options);

// The whole report.md: title, command line, a table per workload (sorted by
// name; rows in policy order), then the policy summary.
std::string RenderReport(const std::vector<BenchRun>& runs,
                         const ReportOptions& options);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_REPORT_H_
