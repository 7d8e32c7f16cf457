#include "bench/bench_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/cli_flags.h"

ABSL_FLAG(std::vector<std::string>, policy, {},
          "policies to run, comma-separated (ds2, streamtune, conttune, "
          "flink-autoscaler, ...); required");
ABSL_FLAG(std::string, out, "",
          "output directory for results.json, report.md and plots/; required");
ABSL_FLAG(std::string, server, "",
          "streamtuned to ask (host:port); empty: start a private PostgreSQL "
          "and streamtuned");
ABSL_FLAG(std::string, tenant, "", "tenant of the runs; empty: bench-<unix seconds>");
ABSL_FLAG(std::string, state_dir, "/tmp/streamtune-bench-state",
          "where the private stack keeps PostgreSQL and the pre-trained corpus");
ABSL_FLAG(bool, print_decisions, false, "print every decision and its reason");

namespace streamtune::bench {

absl::StatusOr<BenchOptions> BenchOptionsFromFlags(
    const std::vector<std::string>& positional) {
  if (absl::Status status = RequireCommand(positional, "run"); !status.ok()) {
    return status;
  }
  BenchOptions options;
  options.workload_files.assign(positional.begin() + 1, positional.end());
  options.policies = absl::GetFlag(FLAGS_policy);
  options.out_dir = absl::GetFlag(FLAGS_out);
  options.server = absl::GetFlag(FLAGS_server);
  options.tenant = absl::GetFlag(FLAGS_tenant);
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.print_decisions = absl::GetFlag(FLAGS_print_decisions);
  if (options.workload_files.empty()) {
    return absl::InvalidArgumentError(
        "missing WORKLOAD.json: at least one workload file is required");
  }
  if (options.policies.empty()) {
    return absl::InvalidArgumentError("--policy: at least one policy is required");
  }
  for (const std::string& policy : options.policies) {
    if (policy.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--policy: empty name in \"", absl::StrJoin(options.policies, ","), "\""));
    }
  }
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out: required");
  if (options.state_dir.empty()) {
    return absl::InvalidArgumentError("--state_dir: must not be empty");
  }

  options.command_line = absl::StrCat(
      "streamtune-bench run --policy=", absl::StrJoin(options.policies, ","),
      " --out=", options.out_dir);
  if (!options.server.empty())
    absl::StrAppend(&options.command_line, " --server=", options.server);
  if (!options.tenant.empty())
    absl::StrAppend(&options.command_line, " --tenant=", options.tenant);
  if (options.state_dir != BenchOptions().state_dir) {
    absl::StrAppend(&options.command_line, " --state_dir=", options.state_dir);
  }
  if (options.print_decisions)
    absl::StrAppend(&options.command_line, " --print_decisions");
  absl::StrAppend(&options.command_line, " ",
                  absl::StrJoin(options.workload_files, " "));
  return options;
}

}  // namespace streamtune::bench
