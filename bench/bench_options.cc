#include "bench/bench_options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace streamtune::bench {
namespace {

bool IsFlag(const std::string& arg) { return absl::StartsWith(arg, "--"); }

}  // namespace

absl::StatusOr<BenchOptions> ParseBenchArgs(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "run") {
    return absl::InvalidArgumentError(
        args.empty() ? "missing command (only \"run\" exists)"
                     : absl::StrCat("unknown command \"", args[0], "\" (only \"run\" exists)"));
  }
  BenchOptions options;
  options.command_line = absl::StrCat("streamtune-bench ", absl::StrJoin(args, " "));
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    // Every value after --workload / --policy up to the next flag.
    auto values = [&](std::vector<std::string>* out) -> absl::Status {
      size_t taken = 0;
      while (i + 1 < args.size() && !IsFlag(args[i + 1])) {
        out->push_back(args[++i]);
        ++taken;
      }
      if (taken == 0) return absl::InvalidArgumentError(absl::StrCat(flag, ": needs a value"));
      return absl::OkStatus();
    };
    auto value = [&](std::string* out) -> absl::Status {
      if (i + 1 >= args.size() || IsFlag(args[i + 1])) {
        return absl::InvalidArgumentError(absl::StrCat(flag, ": needs a value"));
      }
      *out = args[++i];
      return absl::OkStatus();
    };
    absl::Status status;
    if (flag == "--workload") {
      status = values(&options.workload_files);
    } else if (flag == "--policy") {
      status = values(&options.policies);
    } else if (flag == "--out") {
      status = value(&options.out_dir);
    } else if (flag == "--server") {
      status = value(&options.server);
    } else if (flag == "--tenant") {
      status = value(&options.tenant);
    } else if (flag == "--state-dir") {
      status = value(&options.state_dir);
    } else if (flag == "--print-decisions") {
      options.print_decisions = true;
    } else {
      status = absl::InvalidArgumentError(absl::StrCat("unknown argument \"", flag, "\""));
    }
    if (!status.ok()) return status;
  }
  if (options.workload_files.empty()) {
    return absl::InvalidArgumentError("--workload: at least one workload file is required");
  }
  if (options.policies.empty()) {
    return absl::InvalidArgumentError("--policy: at least one policy is required");
  }
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out: required");
  return options;
}

}  // namespace streamtune::bench
