#include "client/sim/run.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "client/sim/test_workloads.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using testing::Chain;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(RunSimulation, NoChangeDeciderSeesEveryDecisionTime) {
  Workload w = Chain(4000);
  w.duration_s = 600;
  std::vector<std::string> ids;
  absl::StatusOr<RunResult> result = RunSimulation(
      w, [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
        ids.push_back(s.snapshot_id());
        EXPECT_EQ(s.job_id(), "chain");
        EXPECT_EQ(s.window_s(), 60);
        return std::nullopt;
      });
  ASSERT_TRUE(result.ok()) << result.status();
  // 60, 120, ..., 540: none at the last second.
  EXPECT_EQ(ids.size(), 9u);
  EXPECT_EQ(ids.front(), "t60");
  EXPECT_EQ(ids.back(), "t540");
  EXPECT_EQ(result->trace.size(), 600u);
  EXPECT_EQ(result->trace.front().t, 1);
  EXPECT_EQ(result->decisions.size(), 9u);
  EXPECT_FALSE(result->decisions[0].applied);
  EXPECT_EQ(result->decisions[0].after, result->decisions[0].before);
  EXPECT_EQ(result->metrics.reconfigurations, 0);
  EXPECT_DOUBLE_EQ(result->metrics.avg_total_parallelism, 3);
  EXPECT_DOUBLE_EQ(result->metrics.slo_attainment, 1);
  EXPECT_DOUBLE_EQ(result->metrics.max_lag_s, 0);
  EXPECT_EQ(result->metrics.steps_to_converge(), (std::vector<double>{0}));
}

TEST(RunSimulation, ReconfigurationCausesDowntimeAndSkipsDecisions) {
  Workload w = Chain(4000);
  w.duration_s = 600;
  w.restart_downtime_s = 60;  // The decision at 120 falls inside the restart.
  std::vector<int> seen;
  absl::StatusOr<RunResult> result = RunSimulation(
      w, [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
        seen.push_back(
            static_cast<int>(s.observed_at().seconds() - kSimulationEpochSeconds));
        if (seen.size() == 1) return std::vector<int>{1, 2, 1};
        if (seen.size() == 2) {
          EXPECT_EQ(s.seconds_since_restart(), 60);
          EXPECT_EQ(s.window_s(), 60);
        }
        return std::nullopt;
      });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(seen, (std::vector<int>{60, 180, 240, 300, 360, 420, 480, 540}));
  EXPECT_EQ(result->metrics.reconfigurations, 1);
  EXPECT_TRUE(result->decisions[0].applied);
  EXPECT_EQ(result->decisions[0].after, (std::vector<int>{1, 2, 1}));
  EXPECT_FALSE(result->trace[60].running);   // Second 61.
  EXPECT_FALSE(result->trace[119].running);  // Second 120.
  EXPECT_TRUE(result->trace[120].running);   // Second 121.
  // 60 s of downtime at 4000/s: 240000 records, 60 s of lag at the peak.
  EXPECT_DOUBLE_EQ(result->metrics.max_lag_s, 60);
  EXPECT_DOUBLE_EQ(result->metrics.avg_total_parallelism, (60 * 3 + 540 * 4) / 600.0);
}

TEST(RunSimulation, ErrorsAbortTheRun) {
  Workload w = Chain(4000);
  absl::StatusOr<RunResult> result = RunSimulation(
      w, [](const v1::Snapshot&) -> absl::StatusOr<std::optional<std::vector<int>>> {
        return absl::UnavailableError("policy down");
      });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result.status().message(), "snapshot t60: policy down");
  result = RunSimulation(
      w, [](const v1::Snapshot&) -> absl::StatusOr<std::optional<std::vector<int>>> {
        return std::vector<int>{1, 2};
      });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith("snapshot t60: parallelism: expected 3"));
  w.operators[0].capacity = 0;
  result = RunSimulation(w, NoChangeDecider());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

// Follows the oracle one decision late (it cheats: it reads the true rates).
TEST(RunSimulation, OracleFollowerConvergesAndMeetsTheSlo) {
  Workload w = Chain(4000);
  w.duration_s = 1800;
  w.sources["source"] = {RateStep{0, 4000, 0}, RateStep{600, 9100, 0},
                         RateStep{1200, 2000, 0}};
  absl::StatusOr<OracleSchedule> oracle = OracleSchedule::Compute(w);
  ASSERT_TRUE(oracle.ok());
  absl::StatusOr<RunResult> result = RunSimulation(
      w, [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
        const int t =
            static_cast<int>(s.observed_at().seconds() - kSimulationEpochSeconds);
        return oracle->At(t).parallelism;
      });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->metrics.reconfigurations, 2);
  EXPECT_EQ(result->metrics.oracle_reconfigurations, 2);
  EXPECT_EQ(result->metrics.steps_to_converge(), (std::vector<double>{0, 1, 1}));
  EXPECT_GT(result->metrics.slo_attainment, 0.9);
  EXPECT_LT(result->metrics.slo_attainment, 1);  // The restarts cost some.
}

TEST(RunSimulation, SameSeedSameRun) {
  Workload w = Chain(8000);
  w.noise_sd = 0.05;
  w.duration_s = 1200;
  auto run = [&](std::vector<std::string>* snapshots) {
    return RunSimulation(w,
                         [&, k = 0](const v1::Snapshot& s) mutable
                         -> absl::StatusOr<std::optional<std::vector<int>>> {
                           snapshots->push_back(s.SerializeAsString());
                           ++k;
                           if (k % 3 == 0) return std::vector<int>{1 + k % 2, 1 + k, 1};
                           return std::nullopt;
                         });
  };
  std::vector<std::string> first;
  std::vector<std::string> second;
  absl::StatusOr<RunResult> a = run(&first);
  absl::StatusOr<RunResult> b = run(&second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(first, second);
  ASSERT_EQ(a->trace.size(), b->trace.size());
  for (size_t i = 0; i < a->trace.size(); ++i) {
    EXPECT_EQ(a->trace[i].lag, b->trace[i].lag);
  }
  EXPECT_EQ(a->metrics.avg_lag_s, b->metrics.avg_lag_s);
}

// Speed is measured in bench/, not asserted here; this checks that every
// workload of the benchmark suite (bench/workloads) runs to the end and
// yields well-formed metrics.
TEST(RunSimulation, EveryBenchmarkWorkloadRunsToTheEnd) {
  const std::filesystem::path dir(STREAMTUNE_WORKLOADS_DIR);
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << "no " << dir;
  int runs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    absl::StatusOr<Workload> w = LoadWorkloadFile(entry.path().string());
    ASSERT_TRUE(w.ok()) << w.status();
    absl::StatusOr<RunResult> result = RunSimulation(*w, NoChangeDecider());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(static_cast<int64_t>(result->trace.size()), w->duration_s)
        << entry.path();
    EXPECT_EQ(result->metrics.reconfigurations, 0) << entry.path();
    EXPECT_GT(result->metrics.avg_oracle_total_parallelism, 0) << entry.path();
    ++runs;
  }
  EXPECT_GT(runs, 0);
}

}  // namespace
}  // namespace streamtune::sim
