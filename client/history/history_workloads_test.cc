#include "client/history/history_workloads.h"

#include <map>
#include <set>

#include "client/sim/generator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ShortenWorkload, CompressesEveryTraceIntoTheShorterRun) {
  sim::Workload w = *sim::GenerateWorkload("two_source_join", 4);
  w.duration_s = 3600;
  w.sources["left"] = {{0, 100, 0}, {1200, 300, 600}, {2400, 50, 0}, {2401, 60, 0}};
  absl::StatusOr<sim::Workload> short_w = ShortenWorkload(w, 1200);
  ASSERT_TRUE(short_w.ok()) << short_w.status();
  EXPECT_EQ(short_w->duration_s, 1200);
  const auto& steps = short_w->sources.at("left");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[1].at_s, 400);
  EXPECT_EQ(steps[1].ramp_s, 200);
  EXPECT_EQ(steps[2].at_s, 800);
  EXPECT_EQ(steps[3].at_s, 801);  // Nudged: 2401/3 rounds onto 800.
  EXPECT_EQ(steps[3].rate, 60);
  EXPECT_EQ(ShortenWorkload(w, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WorkloadDagFingerprint, DependsOnTheDagOnly) {
  sim::Workload a = *sim::GenerateWorkload("nexmark_q5", 1);
  sim::Workload b = *sim::GenerateWorkload("nexmark_q5", 2);  // Other rates.
  EXPECT_EQ(*WorkloadDagFingerprint(a), *WorkloadDagFingerprint(b));
  b.edges.back().partitioning = v1::PARTITIONING_REBALANCE;
  EXPECT_NE(*WorkloadDagFingerprint(a), *WorkloadDagFingerprint(b));
}

TEST(PlanWorkloads, RoundRobinOverFamiliesWithUniqueNamesAndDurationsInRange) {
  PlanOptions options;
  options.jobs = 26;
  options.seed = 9;
  options.min_minutes = 20;
  options.max_minutes = 40;
  absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 26u);
  const std::vector<std::string>& families = sim::WorkloadFamilies();
  std::set<std::string> names;
  for (size_t i = 0; i < plan->workloads.size(); ++i) {
    const sim::Workload& w = plan->workloads[i];
    EXPECT_EQ(w.name.rfind(families[i % families.size()] + "-", 0), 0u) << w.name;
    EXPECT_TRUE(names.insert(w.name).second) << w.name;
    EXPECT_GE(w.duration_s, 20 * 60);
    EXPECT_LE(w.duration_s, 40 * 60);
    EXPECT_EQ(w.duration_s % 60, 0);
  }
  // Deterministic; another seed or other minutes give other jobs.
  EXPECT_EQ(PlanWorkloads(options)->workloads, plan->workloads);
  options.min_minutes = 21;
  EXPECT_NE(PlanWorkloads(options)->workloads[0].name, plan->workloads[0].name);
}

TEST(PlanWorkloads, EveryThirdJobReplaysARealTraceOnePointAMinute) {
  PlanOptions options;
  options.jobs = 30;
  options.seed = 4;
  absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->trace_jobs, 10);
  std::set<std::string> trace_families;
  for (size_t i = 0; i < plan->workloads.size(); ++i) {
    const sim::Workload& w = plan->workloads[i];
    const bool trace = w.name.find("-trace-") != std::string::npos;
    EXPECT_EQ(trace, i % 3 == 2) << i << " " << w.name;
    EXPECT_GE(w.duration_s, 20 * 60);
    EXPECT_LE(w.duration_s, 40 * 60);
    if (!trace) continue;
    trace_families.insert(w.name.substr(0, w.name.find("-trace-")));
    for (const auto& [id, steps] : w.sources) {
      ASSERT_EQ(static_cast<int>(steps.size()) * 60, w.duration_s) << w.name;
      EXPECT_EQ(steps.back().at_s, w.duration_s - 60) << w.name;
      EXPECT_EQ(steps.back().ramp_s, 60) << w.name;
    }
  }
  EXPECT_EQ(trace_families.size(), 10u);  // Spread over the round-robin.

  options.trace_share = 0;
  EXPECT_EQ(PlanWorkloads(options)->trace_jobs, 0);
  options.trace_share = 1;
  EXPECT_EQ(PlanWorkloads(options)->trace_jobs, 30);
  options.trace_share = 1.5;
  EXPECT_EQ(PlanWorkloads(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PlanWorkloads, StepJobsAreTheShortenedStepsFamily) {
  PlanOptions options;
  options.jobs = 3;
  options.trace_share = 0.5;
  absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const sim::Workload& first = plan->workloads[0];  // Job 1 of 2 is not a trace.
  const std::string family = sim::WorkloadFamilies()[0];
  const uint64_t seed = std::stoull(first.name.substr(family.size() + 1));
  EXPECT_EQ(first,
            *ShortenWorkload(*sim::GenerateWorkload(family, seed), first.duration_s));
}

TEST(PlanWorkloads, SkipsExcludedDagsAndDropsAFamilyWhoseDagIsFixed) {
  PlanOptions options;
  options.jobs = 12;
  options.families = {"nexmark_q5", "chain"};
  options.excluded_fingerprints.insert(
      *WorkloadDagFingerprint(*sim::GenerateWorkload("nexmark_q5", 77)));
  absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->dropped_families, ElementsAre("nexmark_q5"));
  EXPECT_EQ(plan->excluded_draws, options.max_draws_per_family);
  EXPECT_EQ(plan->trace_jobs, 4);
  ASSERT_EQ(plan->workloads.size(), 12u);
  for (const sim::Workload& w : plan->workloads) {
    EXPECT_EQ(w.name.rfind("chain-", 0), 0u) << w.name;
  }
  // Trace-driven draws are excluded by their DAG just the same.
  options.trace_share = 1;
  plan = PlanWorkloads(options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->dropped_families, ElementsAre("nexmark_q5"));
  EXPECT_EQ(plan->trace_jobs, 12);
  EXPECT_EQ(plan->workloads[0].name.rfind("chain-trace-", 0), 0u);
  options.trace_share = kDefaultTraceShare;

  options.families = {"nexmark_q5"};
  EXPECT_THAT(std::string(PlanWorkloads(options).status().message()),
              HasSubstr("every workload family's DAG is excluded"));
}

TEST(PlanWorkloads, RejectsBadOptions) {
  PlanOptions options;
  options.max_minutes = 10;  // < min_minutes
  EXPECT_EQ(PlanWorkloads(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = PlanOptions();
  options.families = {"nope"};
  EXPECT_EQ(PlanWorkloads(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune::history
