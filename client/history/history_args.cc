#include "client/history/history_args.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace streamtune::history {
namespace {

bool IsFlag(const std::string& arg) { return absl::StartsWith(arg, "--"); }

absl::Status ParseInt(const std::string& flag, const std::string& text, int lo,
                      int* out) {
  if (!absl::SimpleAtoi(text, out) || *out < lo) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": expected an integer >= ", lo, ", got \"", text, "\""));
  }
  return absl::OkStatus();
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

absl::StatusOr<HistoryCliOptions> ParseHistoryArgs(
    const std::vector<std::string>& raw) {
  if (raw.empty() || raw[0] != "generate") {
    return absl::InvalidArgumentError(
        raw.empty() ? "missing command (only \"generate\" exists)"
                    : absl::StrCat("unknown command \"", raw[0],
                                   "\" (only \"generate\" exists)"));
  }
  // Split "--flag=value" into "--flag" "value".
  std::vector<std::string> args;
  for (size_t i = 1; i < raw.size(); ++i) {
    const size_t eq = raw[i].find('=');
    if (IsFlag(raw[i]) && eq != std::string::npos) {
      args.push_back(raw[i].substr(0, eq));
      args.push_back(raw[i].substr(eq + 1));
    } else {
      args.push_back(raw[i]);
    }
  }
  HistoryCliOptions options;
  HistoryOptions& history = options.history;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto values = [&](std::vector<std::string>* out) -> absl::Status {
      size_t taken = 0;
      while (i + 1 < args.size() && !IsFlag(args[i + 1])) {
        out->push_back(args[++i]);
        ++taken;
      }
      if (taken == 0)
        return absl::InvalidArgumentError(absl::StrCat(flag, ": needs a value"));
      return absl::OkStatus();
    };
    std::string text;
    auto value = [&]() -> absl::Status {
      if (i + 1 >= args.size() || IsFlag(args[i + 1])) {
        return absl::InvalidArgumentError(absl::StrCat(flag, ": needs a value"));
      }
      text = args[++i];
      return absl::OkStatus();
    };
    absl::Status status;
    if (flag == "--jobs") {
      status = value();
      if (status.ok()) status = ParseInt(flag, text, 1, &history.jobs);
    } else if (flag == "--seed") {
      status = value();
      if (status.ok() && !absl::SimpleAtoi(text, &history.seed)) {
        status = absl::InvalidArgumentError(absl::StrCat(
            "--seed: expected a non-negative integer, got \"", text, "\""));
      }
    } else if (flag == "--minutes") {
      status = value();
      if (status.ok()) status = ParseMinutes(text, &history);
    } else if (flag == "--family") {
      status = values(&history.families);
    } else if (flag == "--exclude") {
      status = values(&history.exclude_files);
    } else if (flag == "--no-default-exclude") {
      options.default_exclude = false;
    } else if (flag == "--workloads-out") {
      status = value();
      history.workloads_out_dir = text;
    } else if (flag == "--server") {
      status = value();
      options.server = text;
    } else if (flag == "--state-dir") {
      status = value();
      options.state_dir = text;
      options.state_dir_given = true;
    } else if (flag == "--tenant") {
      status = value();
      options.tenant = text;
    } else if (flag == "--concurrency") {
      status = value();
      if (status.ok()) status = ParseInt(flag, text, 1, &history.concurrency);
    } else if (flag == "--no-label-counts") {
      history.count_labels = false;
    } else {
      status =
          absl::InvalidArgumentError(absl::StrCat("unknown argument \"", flag, "\""));
    }
    if (!status.ok()) return status;
  }
  if (!options.server.empty() && options.state_dir_given) {
    return absl::InvalidArgumentError(
        "--server and --state-dir exclude each other (--state-dir is for the private "
        "stack started without --server)");
  }
  return options;
}

}  // namespace streamtune::history
