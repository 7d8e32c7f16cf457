#include "client/history/history_generator.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/fake_client.h"
#include "client/history/exclusions.h"
#include "client/history/history_workloads.h"
#include "client/sim/workload.h"
#include "common/fingerprint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

using ::testing::HasSubstr;

// Records ReportSnapshot and answers ListSnapshots from what it recorded,
// labelling every operator HEALTHY. Thread-safe (a mutex), unlike its base.
class RecordingClient : public FakeStreamTuneClient {
 public:
  absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      const v1::SnapshotRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_after >= 0 && reported_ >= fail_after) {
      return absl::UnavailableError("server went away");
    }
    ++reported_;
    std::vector<v1::Snapshot>& job = by_job_[request.snapshot().job_id()];
    job.push_back(request.snapshot());
    v1::ReportSnapshotResponse response;
    response.set_stored(true);
    response.set_sequence(static_cast<int64_t>(job.size()));
    return response;
  }

  absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      const v1::ListSnapshotsRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++list_calls_;
    v1::ListSnapshotsResponse response;
    for (const v1::Snapshot& snapshot : by_job_[request.job_id()]) {
      v1::StoredSnapshot* stored = response.add_snapshots();
      *stored->mutable_snapshot() = snapshot;
      for (const v1::Operator& op : snapshot.operators()) {
        v1::OperatorLabel* label = stored->add_labels();
        label->set_operator_id(op.id());
        label->set_label(v1::BOTTLENECK_LABEL_HEALTHY);
      }
    }
    return response;
  }

  int fail_after = -1;  // Fail every ReportSnapshot after this many.

  std::map<std::string, std::vector<v1::Snapshot>> by_job() {
    std::lock_guard<std::mutex> lock(mu_);
    return by_job_;
  }
  int list_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return list_calls_;
  }

 private:
  std::mutex mu_;
  int reported_ = 0;
  int list_calls_ = 0;
  std::map<std::string, std::vector<v1::Snapshot>> by_job_;
};

HistoryOptions SmallRun(int jobs) {
  HistoryOptions options;
  options.jobs = jobs;
  options.seed = 3;
  options.min_minutes = 10;
  options.max_minutes = 15;
  options.concurrency = 2;
  return options;
}

TEST(GenerateHistory, ReportsEverySnapshotOfEveryJobUnderItsWorkloadName) {
  RecordingClient client;
  int progress_calls = 0;
  absl::StatusOr<HistoryStats> stats =
      GenerateHistory(SmallRun(13), &client, [&](const HistoryStats& s) {
        ++progress_calls;
        EXPECT_EQ(s.jobs_done, progress_calls);
      });
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->jobs_planned, 13);
  EXPECT_EQ(stats->jobs_done, 13);
  EXPECT_EQ(progress_calls, 13);
  const auto by_job = client.by_job();
  ASSERT_EQ(by_job.size(), 13u);  // One job per workload, one family each.
  int64_t snapshots = 0;
  int64_t operator_snapshots = 0;
  std::set<std::string> families;
  for (const auto& [job, snapshots_of_job] : by_job) {
    families.insert(job.substr(0, job.rfind('-')));
    EXPECT_GE(snapshots_of_job.size(), 5u) << job;
    std::set<std::string> ids;
    for (const v1::Snapshot& s : snapshots_of_job) {
      EXPECT_EQ(s.job_id(), job);
      EXPECT_TRUE(absl::StartsWith(s.snapshot_id(), "t")) << s.snapshot_id();
      EXPECT_TRUE(ids.insert(s.snapshot_id()).second) << s.snapshot_id();
      operator_snapshots += s.operators_size();
    }
    snapshots += static_cast<int64_t>(snapshots_of_job.size());
  }
  EXPECT_EQ(families.size(), 13u);
  // Every third job replays a real trace (kDefaultTraceShare).
  int trace_jobs = 0;
  for (const std::string& family : families) {
    trace_jobs += absl::EndsWith(family, "-trace") ? 1 : 0;
  }
  EXPECT_EQ(trace_jobs, 4);
  EXPECT_EQ(stats->trace_jobs_planned, 4);
  EXPECT_EQ(stats->snapshots, snapshots);
  EXPECT_EQ(stats->snapshots_stored, snapshots);
  EXPECT_EQ(client.list_calls(), 13);
  EXPECT_EQ(stats->healthy, operator_snapshots);
  EXPECT_EQ(stats->bottleneck, 0);
  EXPECT_GT(stats->reconfigurations, 13);
}

TEST(GenerateHistory, TraceJobsOnlyWhenTheShareIsOne) {
  HistoryOptions options = SmallRun(3);
  options.trace_share = 1;
  RecordingClient client;
  absl::StatusOr<HistoryStats> stats = GenerateHistory(options, &client);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->trace_jobs_planned, 3);
  ASSERT_EQ(client.by_job().size(), 3u);
  for (const auto& [job, snapshots] : client.by_job()) {
    EXPECT_THAT(job, HasSubstr("-trace-"));
    // One snapshot per decision interval over 10-15 simulated minutes.
    EXPECT_GE(snapshots.size(), 5u) << job;
  }
}

TEST(GenerateHistory, NeverReportsTheDagOfAnExcludedWorkload) {
  const std::string dir = STREAMTUNE_WORKLOADS_DIR;
  HistoryOptions options = SmallRun(10);
  options.families = {"nexmark_q3", "nexmark_q5", "diamond"};
  options.exclude_files = {dir + "/nexmark-q3-join.json",
                           dir + "/nexmark-q5-hot-items.json"};
  std::set<std::string> excluded;
  for (const std::string& file : options.exclude_files) {
    excluded.insert(*WorkloadDagFingerprint(*sim::LoadWorkloadFile(file)));
  }
  RecordingClient client;
  absl::StatusOr<HistoryStats> stats = GenerateHistory(options, &client);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->jobs_done, 10);
  EXPECT_EQ(stats->dropped_families, std::vector<std::string>{"nexmark_q5"});
  EXPECT_GT(stats->excluded_draws, 0);
  int q3_jobs = 0;
  for (const auto& [job, snapshots] : client.by_job()) {
    q3_jobs += absl::StartsWith(job, "nexmark_q3-");
    for (const v1::Snapshot& s : snapshots) {
      EXPECT_EQ(excluded.count(DagFingerprint(s)), 0u) << job << " " << s.snapshot_id();
    }
  }
  EXPECT_EQ(q3_jobs, 5);  // Only its draws with another DAG than the excluded one.
}

TEST(GenerateHistory, DefaultExclusionsCoverEveryBenchmarkDagTraceFilesIncluded) {
  absl::StatusOr<std::vector<std::string>> suite =
      ResolveExclusions({}, /*default_exclude=*/true, STREAMTUNE_WORKLOADS_DIR);
  ASSERT_TRUE(suite.ok()) << suite.status();
  std::set<std::string> excluded;
  for (const std::string& file : *suite) {
    excluded.insert(*WorkloadDagFingerprint(*sim::LoadWorkloadFile(file)));
  }
  EXPECT_EQ(excluded.size(), suite->size());  // Twelve different DAGs.
  HistoryOptions options = SmallRun(26);
  options.exclude_files = *suite;
  options.trace_share = 0.5;
  RecordingClient client;
  absl::StatusOr<HistoryStats> stats = GenerateHistory(options, &client);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->trace_jobs_planned, 13);
  for (const auto& [job, snapshots] : client.by_job()) {
    EXPECT_EQ(excluded.count(DagFingerprint(snapshots.front())), 0u) << job;
  }
}

TEST(GenerateHistory, WritesWorkloadFilesThatRepeatTheRun) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("history-test-", getpid());
  HistoryOptions options = SmallRun(3);
  options.workloads_out_dir = dir.string();
  options.count_labels = false;
  RecordingClient client;
  absl::StatusOr<HistoryStats> stats = GenerateHistory(options, &client);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(client.list_calls(), 0);
  EXPECT_EQ(stats->healthy, 0);
  const absl::StatusOr<WorkloadPlan> plan = PlanWorkloads(PlanOptions{
      3, options.seed, options.min_minutes, options.max_minutes, {}, {}, 40});
  ASSERT_TRUE(plan.ok());
  for (const sim::Workload& planned : plan->workloads) {
    absl::StatusOr<sim::Workload> loaded =
        sim::LoadWorkloadFile((dir / (planned.name + ".json")).string());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(*loaded, planned);
    EXPECT_EQ(client.by_job().count(planned.name), 1u);
  }
  std::filesystem::remove_all(dir);
}

TEST(GenerateHistory, SameOptionsSendTheSameSnapshots) {
  RecordingClient a, b;
  HistoryOptions options = SmallRun(4);
  ASSERT_TRUE(GenerateHistory(options, &a).ok());
  options.concurrency = 1;
  ASSERT_TRUE(GenerateHistory(options, &b).ok());
  const auto jobs_a = a.by_job();
  const auto jobs_b = b.by_job();
  ASSERT_EQ(jobs_a.size(), jobs_b.size());
  for (const auto& [job, snapshots] : jobs_a) {
    ASSERT_EQ(snapshots.size(), jobs_b.at(job).size()) << job;
    for (size_t i = 0; i < snapshots.size(); ++i) {
      EXPECT_EQ(SnapshotFingerprint(snapshots[i]),
                SnapshotFingerprint(jobs_b.at(job)[i]));
    }
  }
}

TEST(GenerateHistory, StopsAtTheFirstFailureAndNamesTheJob) {
  RecordingClient client;
  client.fail_after = 20;
  absl::StatusOr<HistoryStats> stats = GenerateHistory(SmallRun(10), &client);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(stats.status().message()),
              HasSubstr("ReportSnapshot: server went away"));
  EXPECT_TRUE(absl::StartsWith(stats.status().message(), "job ")) << stats.status();
}

TEST(GenerateHistory, StopsStartingJobsWhenAStopIsRequested) {
  RecordingClient client;
  HistoryOptions options = SmallRun(10);
  options.concurrency = 1;  // One job at a time: the count is exact.
  int asked = 0;
  options.stop_requested = [&asked] { return ++asked > 3; };
  absl::StatusOr<HistoryStats> stats = GenerateHistory(options, &client);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(stats.status().message()), HasSubstr("after 3 jobs"));
  EXPECT_EQ(client.by_job().size(), 3u);
}

TEST(GenerateHistory, RejectsAnUnreadableExcludedFile) {
  HistoryOptions options = SmallRun(1);
  options.exclude_files = {"/nonexistent/workload.json"};
  RecordingClient client;
  EXPECT_EQ(GenerateHistory(options, &client).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(client.by_job().empty());
}

}  // namespace
}  // namespace streamtune::history
