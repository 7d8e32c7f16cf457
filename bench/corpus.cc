#include "bench/corpus.h"

#include <chrono>
#include <cstdio>
#include <future>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/history/history_generator.h"
#include "client/streamtune_client.h"
#include "common/status_macros.h"

namespace streamtune::bench {

namespace {

// Runs Pretrain; until it answers, echoes the server's new "pretrain: "
// log lines every few seconds.
absl::StatusOr<v1::PretrainResponse> PretrainShowingProgress(
    StreamTuneClient* client, const std::function<std::string()>& server_log) {
  std::future<absl::StatusOr<v1::PretrainResponse>> call = std::async(
      std::launch::async, [client] { return client->Pretrain(v1::PretrainRequest()); });
  size_t shown = server_log ? server_log().size() : 0;
  while (call.wait_for(std::chrono::seconds(3)) != std::future_status::ready) {
    if (!server_log) continue;
    const std::string log = server_log();
    const size_t end = log.rfind('\n');  // Only whole lines.
    if (end == std::string::npos || end < shown) continue;
    for (absl::string_view line :
         absl::StrSplit(absl::string_view(log).substr(shown, end - shown), '\n')) {
      const size_t at = line.find("pretrain: ");
      if (at != absl::string_view::npos) {
        std::fprintf(stderr, "bench: %s\n", std::string(line.substr(at)).c_str());
      }
    }
    shown = end + 1;
  }
  return call.get();
}

}  // namespace

absl::Status EnsurePretrainedCorpus(const std::string& target,
                                    const std::vector<std::string>& exclude_files,
                                    const std::function<std::string()>& server_log) {
  ClientOptions options;
  options.target = target;
  options.tenant = kCorpusTenant;
  // Pre-training the default corpus takes minutes on a small machine.
  options.call_timeout = absl::Hours(2);
  STREAMTUNE_ASSIGN_OR_RETURN(auto client, StreamTuneClient::Create(options));
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
               "bench: pre-training (clustering + one GNN per cluster; minutes; the "
               "server logs each step)\n");
  const absl::Time start = absl::Now();
  STREAMTUNE_ASSIGN_OR_RETURN(v1::PretrainResponse trained,
                              PretrainShowingProgress(client.get(), server_log));
  std::fprintf(stderr, "bench: pre-trained %d models in %.0f s\n",
               trained.models_size(), absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

}  // namespace streamtune::bench
