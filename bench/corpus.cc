#include "bench/corpus.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/history/history_generator.h"
#include "client/streamtune_client.h"
#include "common/interrupt.h"
#include "common/status_macros.h"

namespace streamtune::bench {

namespace {

// Pre-trains through the operation, printing a line per phase and, once
// done, how long each phase took.
absl::StatusOr<v1::PretrainResponse> PretrainShowingProgress(StreamTuneClient* client) {
  OperationWait wait;
  // Pre-training the default corpus takes minutes on a small machine.
  wait.timeout = absl::Hours(2);
  wait.poll_interval = absl::Seconds(1);
  wait.stop_requested = InterruptRequested;
  std::string phase;
  wait.on_poll = [&phase](const v1::Operation& operation) {
    const v1::PretrainProgress& progress = operation.metadata();
    if (!operation.done() && progress.description() != phase) {
      phase = progress.description();
      std::fprintf(stderr, "bench: pretrain: %s\n", phase.c_str());
    }
    if (!operation.done()) return;
    for (const v1::PhaseTiming& timing : progress.finished_phases()) {
      std::fprintf(stderr, "bench: pretrain: %7.1f s  %s\n", timing.seconds(),
                   timing.description().c_str());
    }
  };
  return client->Pretrain(v1::PretrainRequest(), wait);
}

}  // namespace

absl::Status EnsurePretrainedCorpus(ClientOptions corpus_client,
                                    const std::vector<std::string>& exclude_files) {
  corpus_client.call_timeout = absl::Minutes(1);
  STREAMTUNE_ASSIGN_OR_RETURN(auto client, StreamTuneClient::Create(corpus_client));
  STREAMTUNE_RETURN_IF_ERROR(client->WaitUntilServing(absl::Seconds(60)));
  absl::StatusOr<v1::PretrainRun> existing =
      client->GetPretrainRun(v1::GetPretrainRunRequest());
  if (existing.ok()) {
    std::fprintf(stderr, "bench: reusing pre-trained run %s (tenant %s)\n",
                 existing->run_id().c_str(), kCorpusTenant);
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();

  v1::ListJobsRequest jobs;
  jobs.set_page_size(1);
  STREAMTUNE_ASSIGN_OR_RETURN(v1::ListJobsResponse listed, client->ListJobs(jobs));
  if (listed.jobs_size() == 0) {
    history::HistoryOptions history;
    history.exclude_files = exclude_files;
    history.stop_requested = InterruptRequested;
    std::fprintf(stderr,
                 "bench: generating the default history (%d jobs) in tenant %s\n",
                 history.jobs, kCorpusTenant);
    const absl::Time start = absl::Now();
    STREAMTUNE_ASSIGN_OR_RETURN(
        history::HistoryStats stats,
        history::GenerateHistory(
            history, client.get(), [](const history::HistoryStats& s) {
              if (s.jobs_done % 25 == 0 || s.jobs_done == s.jobs_planned) {
                std::fprintf(stderr, "bench: history [%d/%d] jobs, %lld snapshots\n",
                             s.jobs_done, s.jobs_planned,
                             static_cast<long long>(s.snapshots));
              }
            }));
    std::fprintf(stderr, "bench: history of %d jobs, %lld snapshots in %.0f s\n",
                 stats.jobs_done, static_cast<long long>(stats.snapshots),
                 absl::ToDoubleSeconds(absl::Now() - start));
  }
  std::fprintf(stderr,
               "bench: pre-training (clustering + one GNN per cluster; minutes)\n");
  const absl::Time start = absl::Now();
  STREAMTUNE_ASSIGN_OR_RETURN(v1::PretrainResponse trained,
                              PretrainShowingProgress(client.get()));
  std::fprintf(stderr, "bench: pre-trained %d models in %.0f s\n",
               trained.models_size(), absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

}  // namespace streamtune::bench
