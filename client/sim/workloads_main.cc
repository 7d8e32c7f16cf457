// streamtune-workloads: writes generated workload files, checks files, shows
// their oracle, and replaces a file's source rates with real trace windows.
// The command line (kWorkloadsUsage) is read in workloads_flags.cc.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/sim/generator.h"
#include "client/sim/oracle.h"
#include "client/sim/rate_scaling.h"
#include "client/sim/rate_trace.h"
#include "client/sim/trace_rates.h"
#include "client/sim/workload.h"
#include "client/sim/workloads_flags.h"
#include "common/cli_flags.h"

namespace {

using streamtune::sim::GenerateOptions;
using streamtune::sim::Workload;

// Writes `workload` to `path` after checking that the text loads back
// exactly (the format is the contract). False after printing why not.
bool WriteWorkload(const Workload& workload, const std::filesystem::path& path) {
  const std::string json = streamtune::sim::WorkloadToJson(workload);
  absl::StatusOr<Workload> reread = streamtune::sim::ParseWorkload(json, workload.name);
  if (!reread.ok() || !(*reread == workload)) {
    std::cerr << "streamtune-workloads: internal error: " << workload.name
              << " does not round-trip: "
              << (reread.ok() ? "values differ"
                              : std::string(reread.status().message()))
              << "\n";
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) {
    std::cerr << "streamtune-workloads: cannot write " << path.string() << ": "
              << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

int Generate(const GenerateOptions& options) {
  std::vector<std::string> families;
  if (options.family == "all") {
    families = streamtune::sim::WorkloadFamilies();
  } else {
    families.push_back(options.family);
  }
  streamtune::sim::RateOptions rates;
  rates.family = options.rates;
  if (!options.trace.empty()) {
    absl::StatusOr<streamtune::sim::RateTrace> trace =
        streamtune::sim::ResolveRateTrace(options.trace);
    if (!trace.ok()) {
      std::cerr << "streamtune-workloads: --trace: " << trace.status().message()
                << "\n";
      return 1;
    }
    rates.traces.push_back(*std::move(trace));
  }
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    std::cerr << "streamtune-workloads: cannot create " << options.out_dir << ": "
              << error.message() << "\n";
    return 1;
  }
  const size_t total = families.size() * static_cast<size_t>(options.count);
  size_t done = 0;
  for (const std::string& family : families) {
    for (int i = 0; i < options.count; ++i) {
      const uint64_t seed = options.seed + static_cast<uint64_t>(i);
      absl::StatusOr<Workload> workload =
          streamtune::sim::GenerateWorkload(family, seed, rates);
      if (!workload.ok()) {
        std::cerr << "streamtune-workloads: " << workload.status().message() << "\n";
        return 1;
      }
      const std::filesystem::path path =
          std::filesystem::path(options.out_dir) / (workload->name + ".json");
      if (!WriteWorkload(*workload, path)) return 1;
      ++done;
      std::cerr << "[" << done << "/" << total << "] wrote " << path.string() << " ("
                << workload->operators.size() << " operators, " << workload->duration_s
                << " s, " << streamtune::sim::SemanticsName(workload->semantics)
                << ")\n";
    }
  }
  return 0;
}

// One line: what the oracle (docs/simulator.md §6) needs over the run.
std::string OracleSummary(const Workload& workload,
                          const streamtune::sim::OracleSchedule& oracle) {
  int peak = 0;
  std::string peak_operator;
  int peak_total = 0;
  int feasible_s = 0;
  for (const streamtune::sim::OracleSegment& segment : oracle.segments()) {
    const std::vector<int>& parallelism = segment.config.parallelism;
    for (size_t v = 0; v < parallelism.size(); ++v) {
      if (parallelism[v] > peak) {
        peak = parallelism[v];
        peak_operator = workload.operators[v].id;
      }
    }
    peak_total = std::max(peak_total, segment.config.total_parallelism);
    if (segment.config.feasible) feasible_s += segment.last_s - segment.first_s + 1;
  }
  return absl::StrFormat(
      "%s: %d s, oracle total parallelism average %.1f, peak %d; busiest operator "
      "peak %d (%s); %d changes; feasible %.1f%% of the run",
      workload.name, workload.duration_s, oracle.AverageTotalParallelism(), peak_total,
      peak, peak_operator, oracle.changes(), 100.0 * feasible_s / workload.duration_s);
}

int Oracle(const std::vector<std::string>& files) {
  int failures = 0;
  for (const std::string& file : files) {
    absl::StatusOr<Workload> workload = streamtune::sim::LoadWorkloadFile(file);
    absl::StatusOr<streamtune::sim::OracleSchedule> oracle =
        workload.ok() ? streamtune::sim::OracleSchedule::Compute(*workload)
                      : workload.status();
    if (!oracle.ok()) {
      ++failures;
      std::cerr << "error: " << oracle.status().message() << "\n";
      continue;
    }
    std::cout << OracleSummary(*workload, *oracle) << "\n";
  }
  return failures == 0 ? 0 : 1;
}

int Retrace(const streamtune::sim::RetraceOptions& options) {
  absl::StatusOr<Workload> workload =
      streamtune::sim::LoadWorkloadFile(options.in_file);
  if (!workload.ok()) {
    std::cerr << "error: " << workload.status().message() << "\n";
    return 1;
  }
  if (workload->duration_s % streamtune::sim::kSecondsPerTracePoint != 0) {
    std::cerr << "error: " << options.in_file << ": duration_s must be a multiple of "
              << streamtune::sim::kSecondsPerTracePoint << " (one trace point a "
              << "simulated minute), got " << workload->duration_s << "\n";
    return 1;
  }
  const int points = workload->duration_s / streamtune::sim::kSecondsPerTracePoint;
  std::vector<streamtune::sim::TraceFollow> follows;
  for (const streamtune::sim::FollowSpec& spec : options.follows) {
    absl::StatusOr<streamtune::sim::RateTrace> trace =
        streamtune::sim::ResolveRateTrace(spec.trace);
    if (!trace.ok()) {
      std::cerr << "error: --follow: " << trace.status().message() << "\n";
      return 1;
    }
    std::cerr << spec.source << ": " << trace->name << " points " << spec.start << ".."
              << spec.start + points - 1 << " ("
              << streamtune::sim::RateTraceDate(*trace, spec.start) << " .. "
              << streamtune::sim::RateTraceDate(*trace, spec.start + points - 1)
              << "), weight " << spec.weight << "\n";
    follows.push_back({spec.source, *std::move(trace), spec.start, spec.weight});
  }
  if (absl::Status status = ApplyTraceFollows(follows, points, &*workload);
      !status.ok()) {
    std::cerr << "error: " << options.in_file << ": " << status.message() << "\n";
    return 1;
  }
  const double scale = streamtune::sim::ScaleRates(
      streamtune::sim::ScaleTarget{options.peak_parallelism, 0}, &*workload);
  std::cerr << "scale: " << absl::StrFormat("%.1f", scale)
            << " records/s at the window's peak, weight 1\n";
  absl::StatusOr<streamtune::sim::OracleSchedule> oracle =
      streamtune::sim::OracleSchedule::Compute(*workload);
  if (!oracle.ok()) {
    std::cerr << "error: " << oracle.status().message() << "\n";
    return 1;
  }
  if (!WriteWorkload(*workload, options.out_file)) return 1;
  std::cout << OracleSummary(*workload, *oracle) << "\n";
  return 0;
}

int Traces() {
  for (const streamtune::sim::RateTrace& trace : streamtune::sim::BuiltinRateTraces()) {
    std::cout << absl::StrFormat("%-18s %5d points every %4d s from %s\n", trace.name,
                                 trace.messages.size(), trace.interval_s,
                                 streamtune::sim::RateTraceDate(trace, 0));
  }
  return 0;
}

int Validate(const std::vector<std::string>& files) {
  int failures = 0;
  for (const std::string& file : files) {
    absl::StatusOr<streamtune::sim::Workload> workload =
        streamtune::sim::LoadWorkloadFile(file);
    if (workload.ok()) {
      std::cerr << "ok " << file << "\n";
    } else {
      ++failures;
      std::cerr << "error: " << workload.status().message() << "\n";
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  streamtune::InitFlags(streamtune::sim::kWorkloadsUsage,
                        "client/sim/workloads_flags.cc");
  absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  if (!positional.ok()) {
    return streamtune::UsageError("streamtune-workloads", positional.status());
  }
  absl::StatusOr<streamtune::sim::WorkloadsCommand> command =
      streamtune::sim::WorkloadsCommandFromFlags(*positional);
  if (!command.ok()) {
    return streamtune::UsageError("streamtune-workloads", command.status());
  }
  if (command->name == "families") {
    for (const std::string& f : streamtune::sim::WorkloadFamilies()) {
      std::cout << f << "\n";
    }
    return 0;
  }
  if (command->name == "traces") return Traces();
  if (command->name == "validate") return Validate(command->files);
  if (command->name == "oracle") return Oracle(command->files);
  if (command->name == "retrace") return Retrace(command->retrace);
  return Generate(command->generate);
}
