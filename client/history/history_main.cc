// streamtune-history: generates pre-training history on the simulated engine
// and reports it to streamtuned (a given server, or a private stack).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/connection_flags.h"
#include "client/history/exclusions.h"
#include "client/history/history_flags.h"
#include "client/history/history_generator.h"
#include "client/local/local_service.h"
#include "common/cli_flags.h"
#include "common/interrupt.h"
#include "common/status_macros.h"

namespace streamtune::history {
namespace {

absl::StatusOr<std::unique_ptr<local::LocalService>> StartService(
    const HistoryCliOptions& options) {
  local::LocalServiceOptions service;
  service.server = options.server;
  STREAMTUNE_RETURN_IF_ERROR(ApplyConnectionFlags(&service.server_connection));
  service.state_dir = options.state_dir;
  service.server_binary = local::ServerBinaryOr(STREAMTUNE_SERVER_BINARY);
  service.deploy_dir = STREAMTUNE_DEPLOY_DIR;
  service.log_prefix = "history";
  return local::LocalService::Start(service);
}

void PrintProgress(const HistoryStats& stats, absl::Time start) {
  const double seconds = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - start));
  std::fprintf(stderr,
               "history: [%d/%d] jobs, %lld snapshots (%lld new), %.1f jobs/s, "
               "%.0f snapshots/s, %.1f s\n",
               stats.jobs_done, stats.jobs_planned,
               static_cast<long long>(stats.snapshots),
               static_cast<long long>(stats.snapshots_stored),
               stats.jobs_done / seconds, stats.snapshots / seconds, seconds);
}

absl::Status Run(HistoryCliOptions options) {
  // Before anything starts: a missing benchmark suite or a bad --exclude
  // file fails the run instead of silently excluding less.
  STREAMTUNE_ASSIGN_OR_RETURN(
      options.history.exclude_files,
      ResolveExclusions(options.history.exclude_files, options.default_exclude,
                        STREAMTUNE_WORKLOADS_DIR));
  STREAMTUNE_ASSIGN_OR_RETURN(auto service, StartService(options));
  STREAMTUNE_ASSIGN_OR_RETURN(ClientOptions client_options,
                              service->ClientFor(options.tenant, Role::kTenant));
  client_options.call_timeout = absl::Seconds(60);
  STREAMTUNE_ASSIGN_OR_RETURN(auto client, StreamTuneClient::Create(client_options));
  STREAMTUNE_RETURN_IF_ERROR(client->WaitUntilServing(absl::Seconds(60)));

  std::fprintf(stderr,
               "history: %d jobs, seed %llu, %d-%d simulated minutes each, "
               "trace share %.2f, %zu excluded workload files, tenant \"%s\"\n",
               options.history.jobs,
               static_cast<unsigned long long>(options.history.seed),
               options.history.min_minutes, options.history.max_minutes,
               options.history.trace_share, options.history.exclude_files.size(),
               options.tenant.c_str());
  options.history.stop_requested = InterruptRequested;
  const absl::Time start = absl::Now();
  absl::Time last_print = absl::InfinitePast();
  auto progress = [&](const HistoryStats& stats) {
    const absl::Time now = absl::Now();
    if (now - last_print < absl::Seconds(1) && stats.jobs_done < stats.jobs_planned)
      return;
    last_print = now;
    PrintProgress(stats, start);
  };
  STREAMTUNE_ASSIGN_OR_RETURN(const HistoryStats stats,
                              GenerateHistory(options.history, client.get(), progress));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "generated %d jobs: %lld snapshots (%lld new), %lld reconfigurations; labelled "
      "operator-snapshots: %lld bottleneck, %lld healthy (plus %lld stabilising, %lld "
      "undecided); trace-driven jobs: %d; %d draws skipped for an excluded DAG%s%s; "
      "%.1f s\n",
      stats.jobs_done, static_cast<long long>(stats.snapshots),
      static_cast<long long>(stats.snapshots_stored),
      static_cast<long long>(stats.reconfigurations),
      static_cast<long long>(stats.bottleneck), static_cast<long long>(stats.healthy),
      static_cast<long long>(stats.stabilising),
      static_cast<long long>(stats.undecided), stats.trace_jobs_planned,
      stats.excluded_draws,
      stats.dropped_families.empty() ? "" : "; families dropped (every DAG excluded): ",
      absl::StrJoin(stats.dropped_families, ", ").c_str(), seconds);
  return absl::OkStatus();
}

}  // namespace
}  // namespace streamtune::history

int main(int argc, char** argv) {
  // Ctrl-C or kill ends the run after the jobs under way, through Run's
  // error path, so a private server and database it started stop.
  streamtune::InstallInterruptHandler();
  streamtune::InitFlags(streamtune::history::kHistoryUsage,
                        "client/history/history_flags.cc");
  absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  if (!positional.ok()) {
    return streamtune::UsageError("streamtune-history", positional.status());
  }
  auto options = streamtune::history::HistoryOptionsFromFlags(*positional);
  if (!options.ok()) {
    return streamtune::UsageError("streamtune-history", options.status());
  }
  return streamtune::FinishCommand("streamtune-history",
                                   streamtune::history::Run(*std::move(options)));
}
