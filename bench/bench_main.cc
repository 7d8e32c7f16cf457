// streamtune-bench: runs tuning policies on simulated workloads through
// streamtuned and writes results.json, report.md and one plot per workload.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/bench_runner.h"
#include "bench/corpus.h"
#include "bench/report.h"
#include "bench/results_json.h"
#include "bench/svg_plot.h"
#include "client/connection_flags.h"
#include "client/local/local_service.h"
#include "client/sim/workload.h"
#include "common/cli_flags.h"
#include "common/interrupt.h"
#include "common/status_macros.h"

namespace streamtune::bench {
namespace {

// Divides every time window of the flink-autoscaler policy on the private
// server; see README "Benchmark".
constexpr int kFlinkAutoscalerTimeScale = 12;

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot write"));
  return absl::OkStatus();
}

void PrintDecision(const std::string& policy, const TimelineEntry& entry) {
  std::fprintf(stderr, "  %-16s t=%5ds  total %3d -> %3d  %s  %s\n", policy.c_str(),
               entry.t, entry.total_before, entry.total_after,
               entry.applied ? "APPLY" : "keep ", entry.reason.c_str());
}

absl::StatusOr<std::unique_ptr<local::LocalService>> StartService(
    const BenchOptions& options) {
  local::LocalServiceOptions service;
  service.server = options.server;
  STREAMTUNE_RETURN_IF_ERROR(ApplyConnectionFlags(&service.server_connection));
  service.state_dir = options.state_dir;
  service.server_binary = local::ServerBinaryOr(STREAMTUNE_SERVER_BINARY);
  service.deploy_dir = STREAMTUNE_DEPLOY_DIR;
  // The one documented shortening of the Flink autoscaler's windows (1 h
  // scale-down interval -> 5 min, ...) so it can act within 1 h workloads.
  service.server_args = {
      absl::StrCat("--flink_autoscaler_time_scale=", kFlinkAutoscalerTimeScale),
      absl::StrCat("--shared_model_tenant=", kCorpusTenant)};
  service.log_prefix = "bench";
  return local::LocalService::Start(service);
}

absl::Status WriteOutputs(const BenchOptions& options,
                          const std::vector<BenchRun>& runs) {
  const std::filesystem::path out(options.out_dir);
  std::filesystem::create_directories(out / "plots");
  STREAMTUNE_RETURN_IF_ERROR(WriteFile(out / "results.json", ResultsToJson(runs)));
  ReportOptions report_options;
  report_options.command_line = options.command_line;
  report_options.policy_order = options.policies;
  for (const BenchRun& run : runs) {
    report_options.plot_paths[run.workload] = "plots/" + run.workload + ".svg";
  }
  STREAMTUNE_RETURN_IF_ERROR(
      WriteFile(out / "report.md", RenderReport(runs, report_options)));
  std::map<std::string, std::vector<const BenchRun*>> by_workload;
  for (const BenchRun& run : runs) by_workload[run.workload].push_back(&run);
  for (const auto& [workload, of_workload] : by_workload) {
    STREAMTUNE_RETURN_IF_ERROR(WriteFile(out / "plots" / (workload + ".svg"),
                                         RenderWorkloadPlot(of_workload)));
  }
  return absl::OkStatus();
}

absl::Status Run(const BenchOptions& options) {
  std::vector<sim::Workload> workloads;
  for (const std::string& file : options.workload_files) {
    STREAMTUNE_ASSIGN_OR_RETURN(workloads.emplace_back(), sim::LoadWorkloadFile(file));
  }
  STREAMTUNE_ASSIGN_OR_RETURN(auto service, StartService(options));
  // "streamtune" and its ablations share the pre-trained corpus.
  const bool wants_streamtune = std::any_of(
      options.policies.begin(), options.policies.end(),
      [](const std::string& p) { return absl::StartsWith(p, "streamtune"); });
  if (wants_streamtune && options.server.empty()) {
    // The private stack pre-trains on generated history (never on the
    // workloads being benchmarked) and keeps it under --state_dir.
    STREAMTUNE_ASSIGN_OR_RETURN(ClientOptions corpus,
                                service->ClientFor(kCorpusTenant, Role::kAdmin));
    STREAMTUNE_RETURN_IF_ERROR(EnsurePretrainedCorpus(corpus, options.workload_files));
  }
  // A fresh tenant per run, so runs never share job history; against a
  // given server whose token names a tenant, --tenant must name that one.
  STREAMTUNE_ASSIGN_OR_RETURN(
      ClientOptions client_options,
      service->ClientFor(options.tenant.empty()
                             ? absl::StrCat("bench-", absl::ToUnixSeconds(absl::Now()))
                             : options.tenant,
                         Role::kTenant));
  client_options.call_timeout = absl::Seconds(60);
  STREAMTUNE_ASSIGN_OR_RETURN(auto client, StreamTuneClient::Create(client_options));
  STREAMTUNE_RETURN_IF_ERROR(client->WaitUntilServing(absl::Seconds(60)));

  std::vector<BenchRun> runs;
  const size_t total = workloads.size() * options.policies.size();
  for (const sim::Workload& workload : workloads) {
    for (const std::string& policy : options.policies) {
      std::fprintf(stderr, "[%zu/%zu] %s on %s ...\n", runs.size() + 1, total,
                   policy.c_str(), workload.name.c_str());
      STREAMTUNE_ASSIGN_OR_RETURN(
          BenchRun run,
          RunPolicyOnWorkload(
              workload, policy, client.get(),
              options.print_decisions ? PrintDecision : DecisionPrinter()));
      std::fprintf(
          stderr,
          "[%zu/%zu] %s on %s: %d reconfigurations, parallelism %.2f x oracle, "
          "SLO %.1f%% (%.2f s)\n",
          runs.size() + 1, total, policy.c_str(), workload.name.c_str(),
          run.metrics.reconfigurations, run.metrics.parallelism_vs_oracle,
          100 * run.metrics.slo_attainment, run.wall_seconds);
      runs.push_back(std::move(run));
    }
  }
  STREAMTUNE_RETURN_IF_ERROR(WriteOutputs(options, runs));
  std::fprintf(stderr, "bench: wrote %s/results.json, report.md and plots/\n",
               options.out_dir.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace streamtune::bench

int main(int argc, char** argv) {
  // Ctrl-C or kill ends the run through Run's error path, so the private
  // server and database it started stop and their folders are removed.
  streamtune::InstallInterruptHandler();
  streamtune::InitFlags(streamtune::bench::kBenchUsage, "bench/bench_flags.cc");
  absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  if (!positional.ok())
    return streamtune::UsageError("streamtune-bench", positional.status());
  auto options = streamtune::bench::BenchOptionsFromFlags(*positional);
  if (!options.ok())
    return streamtune::UsageError("streamtune-bench", options.status());
  return streamtune::FinishCommand("streamtune-bench",
                                   streamtune::bench::Run(*options));
}
