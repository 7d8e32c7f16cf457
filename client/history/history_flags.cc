#include "client/history/history_flags.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/cli_flags.h"

ABSL_FLAG(int, jobs, 300, "generated jobs, one workload each (>= 1)");
ABSL_FLAG(uint64_t, seed, 1, "seeds the workloads and the exploration");
ABSL_FLAG(std::string, minutes, "20-40",
          "simulated minutes per job: M, or MIN-MAX drawn per job");
ABSL_FLAG(std::vector<std::string>, family, {},
          "workload families to rotate through, comma-separated (default: all)");
ABSL_FLAG(double, trace_share, streamtune::history::kDefaultTraceShare,
          "share of the jobs whose rates replay real traces, in [0, 1] (default "
          "1/3)");
ABSL_FLAG(std::vector<std::string>, exclude, {},
          "workload files, comma-separated, whose DAGs are never generated");
ABSL_FLAG(bool, default_exclude, true,
          "also exclude every *.json of the benchmark suite (bench/workloads)");
ABSL_FLAG(std::string, workloads_out, "", "write every generated workload file here");
ABSL_FLAG(std::string, server, "",
          "streamtuned to report to (host:port); empty: start a private PostgreSQL "
          "and streamtuned");
ABSL_FLAG(std::string, state_dir, "",
          "where the private stack keeps PostgreSQL (default "
          "/tmp/streamtune-history-state); not with --server");
ABSL_FLAG(std::string, tenant, "default", "tenant the history is reported to");
ABSL_FLAG(int, concurrency, 4, "jobs simulated and reported at once (>= 1)");
ABSL_FLAG(bool, label_counts, true,
          "count the stored labels with one ListSnapshots per job");

namespace streamtune::history {
namespace {

absl::Status AtLeastOne(const char* flag, int value) {
  if (value >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": expected an integer >= 1, got \"", value, "\""));
}

// "M" or "MIN-MAX".
absl::Status ParseMinutes(const std::string& text, HistoryOptions* options) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  if (parts.size() == 1) parts.push_back(parts[0]);
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &options->min_minutes) ||
      !absl::SimpleAtoi(parts[1], &options->max_minutes) || options->min_minutes < 1 ||
      options->max_minutes < options->min_minutes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--minutes: expected M or MIN-MAX with 1 <= MIN <= MAX, got \"", text, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HistoryCliOptions> HistoryOptionsFromFlags(
    const std::vector<std::string>& positional) {
  if (absl::Status status = RequireCommand(positional, "generate"); !status.ok()) {
    return status;
  }
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional[1],
                     "\" (lists are comma-separated, e.g. --exclude=a.json,b.json)"));
  }
  HistoryCliOptions options;
  HistoryOptions& history = options.history;
  history.jobs = absl::GetFlag(FLAGS_jobs);
  if (absl::Status status = AtLeastOne("jobs", history.jobs); !status.ok())
    return status;
  history.seed = absl::GetFlag(FLAGS_seed);
  if (absl::Status status = ParseMinutes(absl::GetFlag(FLAGS_minutes), &history);
      !status.ok()) {
    return status;
  }
  history.families = absl::GetFlag(FLAGS_family);
  history.trace_share = absl::GetFlag(FLAGS_trace_share);
  if (!(history.trace_share >= 0 && history.trace_share <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--trace_share: expected a number in [0, 1], got \"",
                     history.trace_share, "\""));
  }
  history.exclude_files = absl::GetFlag(FLAGS_exclude);
  options.default_exclude = absl::GetFlag(FLAGS_default_exclude);
  history.workloads_out_dir = absl::GetFlag(FLAGS_workloads_out);
  options.server = absl::GetFlag(FLAGS_server);
  options.tenant = absl::GetFlag(FLAGS_tenant);
  history.concurrency = absl::GetFlag(FLAGS_concurrency);
  if (absl::Status status = AtLeastOne("concurrency", history.concurrency);
      !status.ok()) {
    return status;
  }
  history.count_labels = absl::GetFlag(FLAGS_label_counts);
  const std::string state_dir = absl::GetFlag(FLAGS_state_dir);
  if (!options.server.empty() && !state_dir.empty()) {
    return absl::InvalidArgumentError(
        "--server and --state_dir exclude each other (--state_dir is for the private "
        "stack started without --server)");
  }
  if (!state_dir.empty()) options.state_dir = state_dir;
  return options;
}

}  // namespace streamtune::history
