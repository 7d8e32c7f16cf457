#include "client/history/history_generator.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/history/history_workloads.h"
#include "client/sim/run.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"

namespace streamtune::history {
namespace {

// What one job contributes to the totals.
struct JobCounts {
  int64_t snapshots = 0;
  int64_t stored = 0;
  int64_t reconfigurations = 0;
  int64_t labels[5] = {0, 0, 0, 0, 0};  // Indexed by v1::BottleneckLabel.
};

absl::Status WriteWorkloads(const std::vector<sim::Workload>& workloads,
                            const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workloads_out ", dir, ": ", error.message()));
  }
  for (const sim::Workload& workload : workloads) {
    const std::filesystem::path path =
        std::filesystem::path(dir) / (workload.name + ".json");
    std::ofstream out(path);
    out << sim::WorkloadToJson(workload);
    if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot write"));
  }
  return absl::OkStatus();
}

absl::Status CountLabels(StreamTuneClient* client, const std::string& job_id,
                         JobCounts* counts) {
  v1::ListSnapshotsRequest request;
  request.set_job_id(job_id);
  request.set_page_size(1000);
  do {
    STREAMTUNE_ASSIGN_OR_RETURN(const v1::ListSnapshotsResponse page,
                                client->ListSnapshots(request));
    for (const v1::StoredSnapshot& stored : page.snapshots()) {
      for (const v1::OperatorLabel& label : stored.labels()) {
        const int index = static_cast<int>(label.label());
        if (index >= 0 && index < 5) ++counts->labels[index];
      }
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

absl::StatusOr<JobCounts> RunJob(const HistoryOptions& options,
                                 const sim::Workload& workload,
                                 StreamTuneClient* client) {
  ExplorationOptions exploration = options.exploration;
  exploration.seed = std::stoull(
      Fnv1aHex(absl::StrCat(options.seed, "/", workload.name)), nullptr, 16);
  const agent::Decider explore = MakeExplorationDecider(exploration);
  JobCounts counts;
  const agent::Decider report_then_explore = [&](const v1::Snapshot& snapshot)
      -> absl::StatusOr<std::optional<std::vector<int>>> {
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = snapshot;
    absl::StatusOr<v1::ReportSnapshotResponse> response =
        client->ReportSnapshot(request);
    if (!response.ok()) {
      return absl::Status(
          response.status().code(),
          absl::StrCat("ReportSnapshot: ", response.status().message()));
    }
    ++counts.snapshots;
    if (response->stored()) ++counts.stored;
    return explore(snapshot);
  };
  STREAMTUNE_ASSIGN_OR_RETURN(const sim::RunResult run,
                              sim::RunSimulation(workload, report_then_explore));
  for (const sim::Decision& decision : run.decisions) {
    if (decision.applied) ++counts.reconfigurations;
  }
  if (options.count_labels) {
    STREAMTUNE_RETURN_IF_ERROR(CountLabels(client, workload.name, &counts));
  }
  return counts;
}

void Add(const JobCounts& job, HistoryStats* stats) {
  ++stats->jobs_done;
  stats->snapshots += job.snapshots;
  stats->snapshots_stored += job.stored;
  stats->reconfigurations += job.reconfigurations;
  stats->stabilising += job.labels[v1::BOTTLENECK_LABEL_STABILISING];
  stats->bottleneck += job.labels[v1::BOTTLENECK_LABEL_BOTTLENECK];
  stats->healthy += job.labels[v1::BOTTLENECK_LABEL_HEALTHY];
  stats->undecided += job.labels[v1::BOTTLENECK_LABEL_UNDECIDED];
}

}  // namespace

absl::StatusOr<HistoryStats> GenerateHistory(const HistoryOptions& options,
                                             StreamTuneClient* client,
                                             const HistoryProgress& progress) {
  if (options.concurrency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("concurrency: must be >= 1, got ", options.concurrency));
  }
  PlanOptions plan_options;
  plan_options.jobs = options.jobs;
  plan_options.seed = options.seed;
  plan_options.min_minutes = options.min_minutes;
  plan_options.max_minutes = options.max_minutes;
  plan_options.families = options.families;
  plan_options.trace_share = options.trace_share;
  for (const std::string& file : options.exclude_files) {
    STREAMTUNE_ASSIGN_OR_RETURN(const sim::Workload excluded,
                                sim::LoadWorkloadFile(file));
    STREAMTUNE_ASSIGN_OR_RETURN(const std::string fingerprint,
                                WorkloadDagFingerprint(excluded));
    plan_options.excluded_fingerprints.insert(fingerprint);
  }
  STREAMTUNE_ASSIGN_OR_RETURN(const WorkloadPlan plan, PlanWorkloads(plan_options));
  if (!options.workloads_out_dir.empty()) {
    STREAMTUNE_RETURN_IF_ERROR(
        WriteWorkloads(plan.workloads, options.workloads_out_dir));
  }

  HistoryStats stats;
  stats.jobs_planned = static_cast<int>(plan.workloads.size());
  stats.trace_jobs_planned = plan.trace_jobs;
  stats.excluded_draws = plan.excluded_draws;
  stats.dropped_families = plan.dropped_families;
  std::mutex mu;  // Guards stats, first_error and progress calls.
  absl::Status first_error;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    while (!failed.load()) {
      if (options.stop_requested && options.stop_requested()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) {
          first_error = absl::CancelledError(absl::StrCat(
              "history stopped on request after ", stats.jobs_done, " jobs"));
        }
        failed.store(true);
        return;
      }
      const size_t i = next.fetch_add(1);
      if (i >= plan.workloads.size()) return;
      const sim::Workload& workload = plan.workloads[i];
      absl::StatusOr<JobCounts> counts = RunJob(options, workload, client);
      std::lock_guard<std::mutex> lock(mu);
      if (!counts.ok()) {
        if (first_error.ok()) {
          first_error = absl::Status(
              counts.status().code(),
              absl::StrCat("job ", workload.name, ": ", counts.status().message()));
        }
        failed.store(true);
        return;
      }
      Add(*counts, &stats);
      if (progress) progress(stats);
    }
  };
  const int threads = std::min(options.concurrency,
                               std::max(1, static_cast<int>(plan.workloads.size())));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  if (!first_error.ok()) return first_error;
  return stats;
}

}  // namespace streamtune::history
