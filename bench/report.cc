// report.md rendering: per-workload metric tables and the DS2-relative
// policy summary.
#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/escape.h"
#include "client/sim/run_metrics.h"

namespace streamtune::bench {
namespace {

// workload -> policy -> first run of that pair.
using RunIndex = std::map<std::string, std::map<std::string, const BenchRun*>>;

RunIndex IndexRuns(const std::vector<BenchRun>& runs) {
  RunIndex index;
  for (const BenchRun& run : runs) index[run.workload].emplace(run.policy, &run);
  return index;
}

std::string Escape(absl::string_view text) {
  return EscapeText(text, EscapeFor::kMarkdown);
}

std::string Fixed(double value, int digits) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
  return absl::StrFormat("%.*f", digits, value);
}

std::string Fixed(const std::optional<double>& value, int digits) {
  return value ? Fixed(*value, digits) : "n/a";
}

// A ratio, with the number of workloads it covers when that is not all.
std::string Ratio(const std::optional<double>& ratio, int covered, int all) {
  if (!ratio || covered == all) return Fixed(ratio, 3);
  return absl::StrCat(Fixed(ratio, 3), " (", covered, " of ", all, ")");
}

std::string Percent(const std::optional<double>& fraction) {
  return fraction ? Fixed(*fraction * 100, 1) : "n/a";
}

// Median over rate changes, ∞ if any never converged, and "n/m converged".
std::string StepsCell(const sim::RunMetrics& metrics) {
  std::vector<double> steps = metrics.steps_to_converge();
  const size_t converged = std::count_if(steps.begin(), steps.end(),
                                         [](double s) { return std::isfinite(s); });
  std::string median = "—";
  if (!steps.empty() && converged < steps.size()) {
    median = "∞";
  } else if (!steps.empty()) {
    std::sort(steps.begin(), steps.end());
    const size_t mid = steps.size() / 2;
    const double m =
        steps.size() % 2 == 1 ? steps[mid] : (steps[mid - 1] + steps[mid]) / 2;
    median = absl::StrFormat("%g", m);
  }
  return absl::StrCat(median, " (", converged, "/", steps.size(), " converged)");
}

std::optional<double> GeometricMean(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  double log_sum = 0;
  for (double v : values) log_sum += std::log(v);
  return std::exp(log_sum / values.size());
}

// A fence longer than any backtick run in `text`.
std::string CodeBlock(absl::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<size_t>(3, longest + 1), '`');
  return absl::StrCat(fence, "\n", text, "\n", fence, "\n");
}

void AppendWorkload(const std::string& workload, std::vector<const BenchRun*> rows,
                    const std::vector<std::string>& policies,
                    const ReportOptions& options, std::string* out) {
  auto rank = [&](const BenchRun* run) {
    return std::find(policies.begin(), policies.end(), run->policy) - policies.begin();
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const BenchRun* a, const BenchRun* b) {
    return rank(a) < rank(b);
  });
  const sim::RunMetrics& first = rows.front()->metrics;
  absl::StrAppend(
      out, "## ", Escape(workload), "\n\nOracle: average total parallelism ",
      Fixed(first.avg_oracle_total_parallelism, 2), ", ", first.oracle_reconfigurations,
      " reconfigurations; ", first.feasible_seconds, " feasible seconds.\n\n",
      "| policy | reconfigurations | avg total parallelism | parallelism vs "
      "oracle | SLO attainment (%) | avg lag (s) | max lag (s) | steps to "
      "converge | oracle reconfigurations |\n",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const BenchRun* run : rows) {
    const sim::RunMetrics& m = run->metrics;
    absl::StrAppend(out, "| ", Escape(run->policy), " | ", m.reconfigurations, " | ",
                    Fixed(m.avg_total_parallelism, 2), " | ",
                    Fixed(m.parallelism_vs_oracle, 3), " | ",
                    Fixed(m.slo_attainment * 100, 1), " | ", Fixed(m.avg_lag_s, 1),
                    " | ", Fixed(m.max_lag_s, 1), " | ", StepsCell(m), " | ",
                    m.oracle_reconfigurations, " |\n");
  }
  auto plot = options.plot_paths.find(workload);
  if (plot != options.plot_paths.end()) {
    absl::StrAppend(out, "\n![", Escape(workload), "](<", plot->second, ">)\n");
  }
  absl::StrAppend(out, "\n");
}

// Parallelism against the oracle, and both ratios against the second
// baseline (the Flink autoscaler by default).
void AppendSecondSummary(const std::vector<BenchRun>& runs,
                         const ReportOptions& options, std::string* out) {
  const std::string base = Escape(options.second_baseline_policy);
  absl::StrAppend(out, "## Against the oracle and ", base, "\n\n",
                  "| policy | parallelism vs oracle (geo. mean) | reconfigurations vs ",
                  base, " (geo. mean) | parallelism vs ", base, " (geo. mean) |\n",
                  "|---|---:|---:|---:|\n");
  for (const PolicySummary& s : SummarizePolicies(runs, options)) {
    absl::StrAppend(out, "| ", Escape(s.policy), " | ",
                    Fixed(s.parallelism_vs_oracle, 3), " | ",
                    Ratio(s.second_reconfigurations_ratio, s.second_compared_workloads,
                          s.workloads),
                    " | ",
                    Ratio(s.second_parallelism_ratio,
                          s.second_parallelism_compared_workloads, s.workloads),
                    " |\n");
  }
  absl::StrAppend(out, "\nRatios as above, against ", base,
                  " (n/a when it did not run).\n");
}

void AppendSummary(const std::vector<BenchRun>& runs, const ReportOptions& options,
                   std::string* out) {
  const std::string base = Escape(options.baseline_policy);
  absl::StrAppend(out, "## Summary per policy\n\n",
                  "| policy | workloads | reconfigurations vs ", base,
                  " (geo. mean) | parallelism vs oracle vs ", base,
                  " (geo. mean) | min SLO attainment (%) | mean SLO attainment (%) |\n",
                  "|---|---:|---:|---:|---:|---:|\n");
  bool any_compared = false;
  for (const PolicySummary& s : SummarizePolicies(runs, options)) {
    any_compared = any_compared || s.compared_workloads > 0;
    absl::StrAppend(out, "| ", Escape(s.policy), " | ", s.workloads, " | ",
                    Ratio(s.reconfigurations_ratio, s.compared_workloads, s.workloads),
                    " | ",
                    Ratio(s.parallelism_vs_oracle_ratio,
                          s.parallelism_compared_workloads, s.workloads),
                    " | ", Percent(s.min_slo_attainment), " | ",
                    Percent(s.mean_slo_attainment), " |\n");
  }
  absl::StrAppend(out, "\n");
  if (!any_compared) {
    absl::StrAppend(out, "No ", base, " run: ratios to ", base,
                    " are unavailable.\n\n");
  }
  absl::StrAppend(
      out,
      "Ratios are geometric means, over the workloads that have a run of "
      "both the policy and ",
      base, ", of the per-workload ratio to ", base,
      "; below 1 means fewer reconfigurations or less parallelism than ", base,
      ". A reconfiguration count can be zero, so the reconfiguration ratio of "
      "a workload is (reconfigurations + 1) / (",
      base,
      " reconfigurations + 1). Workloads whose parallelism vs oracle is not "
      "positive and finite for both are left out of that ratio. SLO "
      "attainment minimum and mean are over the workloads with at least one "
      "feasible second. Steps to converge: median over rate changes, ∞ if "
      "any rate change never converged; n/m counts the converged ones.\n\n");
  AppendSecondSummary(runs, options, out);
}

}  // namespace

std::vector<std::string> OrderedPolicies(const std::vector<BenchRun>& runs,
                                         const ReportOptions& options) {
  std::set<std::string> present;
  for (const BenchRun& run : runs) present.insert(run.policy);
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const std::string& p : options.policy_order) {
    if (present.count(p) > 0 && seen.insert(p).second) order.push_back(p);
  }
  for (const BenchRun& run : runs) {
    if (seen.insert(run.policy).second) order.push_back(run.policy);
  }
  return order;
}

namespace {

// Ratios of `policy` to `baseline` over the workloads both ran.
struct Comparison {
  int compared = 0;
  int parallelism_compared = 0;
  std::optional<double> reconfigurations_ratio;
  std::optional<double> parallelism_ratio;
};

bool Usable(double v) { return std::isfinite(v) && v > 0; }

Comparison Compare(const RunIndex& index, const std::string& policy,
                   const std::string& baseline) {
  std::vector<double> reconfig_ratios, pvo_ratios;
  for (const auto& [workload, by_policy] : index) {
    auto it = by_policy.find(policy);
    auto base = by_policy.find(baseline);
    if (it == by_policy.end() || base == by_policy.end()) continue;
    const sim::RunMetrics& m = it->second->metrics;
    const sim::RunMetrics& b = base->second->metrics;
    reconfig_ratios.push_back((m.reconfigurations + 1.0) / (b.reconfigurations + 1.0));
    if (Usable(m.parallelism_vs_oracle) && Usable(b.parallelism_vs_oracle)) {
      pvo_ratios.push_back(m.parallelism_vs_oracle / b.parallelism_vs_oracle);
    }
  }
  return Comparison{static_cast<int>(reconfig_ratios.size()),
                    static_cast<int>(pvo_ratios.size()), GeometricMean(reconfig_ratios),
                    GeometricMean(pvo_ratios)};
}

}  // namespace

std::vector<PolicySummary> SummarizePolicies(const std::vector<BenchRun>& runs,
                                             const ReportOptions& options) {
  const RunIndex index = IndexRuns(runs);
  std::vector<PolicySummary> summaries;
  for (const std::string& policy : OrderedPolicies(runs, options)) {
    PolicySummary s;
    s.policy = policy;
    std::vector<double> slos, vs_oracle;
    for (const auto& [workload, by_policy] : index) {
      auto it = by_policy.find(policy);
      if (it == by_policy.end()) continue;
      ++s.workloads;
      const sim::RunMetrics& m = it->second->metrics;
      if (!std::isnan(m.slo_attainment)) slos.push_back(m.slo_attainment);
      if (Usable(m.parallelism_vs_oracle)) vs_oracle.push_back(m.parallelism_vs_oracle);
    }
    const Comparison first = Compare(index, policy, options.baseline_policy);
    s.compared_workloads = first.compared;
    s.parallelism_compared_workloads = first.parallelism_compared;
    s.reconfigurations_ratio = first.reconfigurations_ratio;
    s.parallelism_vs_oracle_ratio = first.parallelism_ratio;
    const Comparison second = Compare(index, policy, options.second_baseline_policy);
    s.second_compared_workloads = second.compared;
    s.second_parallelism_compared_workloads = second.parallelism_compared;
    s.second_reconfigurations_ratio = second.reconfigurations_ratio;
    s.second_parallelism_ratio = second.parallelism_ratio;
    s.parallelism_vs_oracle = GeometricMean(vs_oracle);
    if (!slos.empty()) {
      s.min_slo_attainment = *std::min_element(slos.begin(), slos.end());
      double sum = 0;
      for (double v : slos) sum += v;
      s.mean_slo_attainment = sum / slos.size();
    }
    summaries.push_back(std::move(s));
  }
  return summaries;
}

std::string RenderReport(const std::vector<BenchRun>& runs,
                         const ReportOptions& options) {
  std::string out = absl::StrCat("# ", Escape(options.title), "\n\n");
  if (!options.command_line.empty()) {
    absl::StrAppend(&out, CodeBlock(options.command_line), "\n");
  }
  const std::vector<std::string> policies = OrderedPolicies(runs, options);
  std::map<std::string, std::vector<const BenchRun*>> by_workload;
  for (const BenchRun& run : runs) by_workload[run.workload].push_back(&run);
  if (by_workload.empty()) absl::StrAppend(&out, "No runs.\n\n");
  for (const auto& [workload, rows] : by_workload) {
    AppendWorkload(workload, rows, policies, options, &out);
  }
  AppendSummary(runs, options, &out);
  return out;
}

}  // namespace streamtune::bench
