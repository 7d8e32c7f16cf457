// Fuzzes the simulator's workload file parser (client/sim/workload.h) with
// arbitrary text. Properties:
//  - ParseWorkload never crashes and answers a Workload or INVALID_ARGUMENT;
//  - an accepted workload passes ValidateWorkload, and WorkloadToJson of it
//    parses back to an equal Workload (the documented round trip);
//  - every source's rate trace gives finite rates within the range of its
//    steps at the steps, inside their ramps and at the end of the run.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/sim/workload.h"
#include "fuzz/fuzz_check.h"

namespace streamtune::sim {
namespace {

void CheckTrace(const std::string& source, const std::vector<RateStep>& steps,
                int duration_s) {
  FUZZ_REQUIRE(!steps.empty(), source + ": a source has a trace");
  double lowest = steps.front().rate;
  double highest = steps.front().rate;
  std::vector<double> times = {0, static_cast<double>(duration_s)};
  for (const RateStep& step : steps) {
    lowest = std::min(lowest, step.rate);
    highest = std::max(highest, step.rate);
    times.push_back(step.at_s);
    times.push_back(step.at_s + step.ramp_s / 2.0);
  }
  for (double t : times) {
    const double rate = TargetRate(steps, t);
    FUZZ_REQUIRE(std::isfinite(rate) && rate >= lowest && rate <= highest,
                 source + " at t=" + std::to_string(t));
  }
}

}  // namespace
}  // namespace streamtune::sim

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace streamtune::sim;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Workload> parsed = ParseWorkload(text, "fuzz");
  if (!parsed.ok()) {
    FUZZ_REQUIRE(parsed.status().code() == absl::StatusCode::kInvalidArgument,
                 parsed.status().ToString());
    return 0;
  }
  const absl::Status valid = ValidateWorkload(*parsed);
  FUZZ_REQUIRE(valid.ok(), valid.ToString());
  const std::string written = WorkloadToJson(*parsed);
  absl::StatusOr<Workload> reparsed = ParseWorkload(written, "written");
  FUZZ_REQUIRE(reparsed.ok(), reparsed.status().ToString() + "\n" + written);
  FUZZ_REQUIRE(*reparsed == *parsed, written);
  for (const auto& [source, steps] : parsed->sources) {
    CheckTrace(source, steps, parsed->duration_s);
  }
  return 0;
}
