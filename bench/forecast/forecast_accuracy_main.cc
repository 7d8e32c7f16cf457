// streamtune-forecast-accuracy: the rate forecaster against persistence on
// the source rates of workload files (docs/benchmark.md, "Forecast accuracy").
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "bench/forecast/forecast_accuracy.h"
#include "client/sim/workload.h"
#include "common/cli_flags.h"

ABSL_FLAG(double, horizon_s, 0,
          "seconds ahead to score the forecast at; 0: the planner's lead for each "
          "workload (restart plus the catch-up of its backlog)");

namespace {

constexpr char kUsage[] =
    "usage: streamtune-forecast-accuracy [--horizon_s=S] WORKLOAD.json...\n"
    "\n"
    "Replays each source rate of the workloads as the service sees it (one point\n"
    "per decision interval, with the workload's noise) and prints a Markdown table\n"
    "of the forecaster's MAPE against persistence at the horizon.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace streamtune;
  InitFlags(kUsage, "bench/forecast/forecast_accuracy_main.cc");
  absl::StatusOr<std::vector<std::string>> files = ParseFlags(argc, argv);
  if (!files.ok()) return UsageError("streamtune-forecast-accuracy", files.status());
  if (files->empty()) {
    return UsageError("streamtune-forecast-accuracy",
                      absl::InvalidArgumentError("no workload file given"));
  }
  if (absl::GetFlag(FLAGS_horizon_s) < 0) {
    return UsageError("streamtune-forecast-accuracy",
                      absl::InvalidArgumentError("--horizon_s: must be >= 0"));
  }
  bench::AccuracyOptions options;
  options.horizon_s = absl::GetFlag(FLAGS_horizon_s);
  std::vector<bench::SourceAccuracy> rows;
  for (const std::string& file : *files) {
    absl::StatusOr<sim::Workload> workload = sim::LoadWorkloadFile(file);
    if (!workload.ok()) {
      std::fprintf(stderr, "streamtune-forecast-accuracy: %s\n",
                   std::string(workload.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, "forecasting %s ...\n", workload->name.c_str());
    for (auto& row : bench::MeasureForecastAccuracy(*workload, options)) {
      rows.push_back(std::move(row));
    }
  }
  std::fputs(bench::AccuracyTable(rows).c_str(), stdout);
  return 0;
}
