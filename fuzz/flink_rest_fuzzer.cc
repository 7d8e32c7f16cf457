// Fuzzes the parsers of Flink JobManager REST answers (client/flink/
// flink_rest.h) with arbitrary text, whatever a proxy or another Flink
// version may put behind a URL. Properties:
//  - no parser crashes; each answers a value or INVALID_ARGUMENT;
//  - parsed values keep the documented ranges (vertex parallelism in
//    [1, maxParallelism <= 32768], resource bounds -1 <= lower <= upper,
//    upper >= 1, finite metric values), and resource bounds are the numbers
//    the text holds;
//  - resource requirements survive ResourceRequirementsJson and parse back
//    equal, and RequirementsFor builds a valid body from them;
//  - FlinkErrorMessage stays within its 300 characters.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "client/flink/flink_rest.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"

namespace streamtune::flink {
namespace {

template <typename T>
bool Answered(const absl::StatusOr<T>& result) {
  FUZZ_REQUIRE(
      result.ok() || result.status().code() == absl::StatusCode::kInvalidArgument,
      result.status().ToString());
  return result.ok();
}

void CheckJobDetails(absl::string_view text) {
  absl::StatusOr<FlinkJob> job = ParseJobDetails(text);
  if (!Answered(job)) return;
  for (const FlinkVertex& v : job->vertices) {
    FUZZ_REQUIRE(v.parallelism >= 1 && v.parallelism <= v.max_parallelism &&
                     v.max_parallelism <= (1 << 15),
                 v.id);
  }
  FUZZ_REQUIRE(job->pending_operators >= 0, "pending-operators");
  (void)FullyRunning(*job);
  (void)KnownNotAdaptive(*job);
  (void)IsTerminalJobState(job->state);
}

bool BoundsValid(const ParallelismBounds& b) {
  return b.upper >= 1 && b.lower >= -1 && b.lower <= b.upper;
}

void CheckResourceRequirements(absl::string_view text) {
  absl::StatusOr<ResourceRequirements> current = ParseResourceRequirements(text);
  if (!Answered(current)) return;
  // The same text read with nlohmann directly (when it has no bare NaN the
  // parser would have replaced): parsed bounds are the numbers written.
  const nlohmann::json direct = nlohmann::json::parse(text, nullptr, false);
  std::map<std::string, int> target;
  for (const auto& [vertex, bounds] : *current) {
    const std::string what = vertex + ": [" + std::to_string(bounds.lower) + ", " +
                             std::to_string(bounds.upper) + "]";
    FUZZ_REQUIRE(BoundsValid(bounds), what);
    if (!direct.is_discarded()) {
      const nlohmann::json& written = direct[vertex]["parallelism"];
      FUZZ_REQUIRE(written["lowerBound"].get<int64_t>() == bounds.lower &&
                       written["upperBound"].get<int64_t>() == bounds.upper,
                   what + " from " + written.dump());
    }
    target[vertex] = bounds.upper;
  }
  const std::string body = ResourceRequirementsJson(*current);
  absl::StatusOr<ResourceRequirements> reparsed = ParseResourceRequirements(body);
  FUZZ_REQUIRE(reparsed.ok(), reparsed.status().ToString() + "\n" + body);
  FUZZ_REQUIRE(reparsed->size() == current->size(), body);
  for (const auto& [vertex, bounds] : *current) {
    auto it = reparsed->find(vertex);
    FUZZ_REQUIRE(it != reparsed->end() && it->second.lower == bounds.lower &&
                     it->second.upper == bounds.upper,
                 body);
  }
  absl::StatusOr<ResourceRequirements> next = RequirementsFor(*current, target);
  FUZZ_REQUIRE(next.ok(), next.status().ToString());
  for (const auto& [vertex, bounds] : *next) {
    FUZZ_REQUIRE(BoundsValid(bounds) && bounds.upper == target[vertex], vertex);
  }
}

void CheckMetrics(absl::string_view text) {
  absl::StatusOr<AggregatedMetrics> metrics = ParseAggregatedMetrics(text);
  if (!Answered(metrics)) return;
  for (const auto& [name, m] : *metrics) {
    for (const std::optional<double>& value : {m.min, m.max, m.avg, m.sum}) {
      FUZZ_REQUIRE(!value.has_value() || std::isfinite(*value), name);
    }
  }
}

}  // namespace
}  // namespace streamtune::flink

// The first byte picks the parser (modulo 7), the rest is the answer's body:
// running all seven on every input made each execution seven times slower.
// Seeds start with the letter of their parser (o, j, p, n, m, r, e), so a
// corpus file reads as that letter and the JSON.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace streamtune::flink;
  if (size == 0) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 'o' % 7:  // GET /jobs/overview, and GET /config (no job id either)
      (void)Answered(ParseJobsOverview(text));
      (void)Answered(ParseFlinkVersion(text));
      break;
    case 'j' % 7:  // GET /jobs/:jid
      CheckJobDetails(text);
      break;
    case 'p' % 7:  // GET /jobs/:jid/plan
      (void)Answered(ParsePlanInputs(text));
      break;
    case 'n' % 7:  // GET .../subtasks/metrics
      (void)Answered(ParseMetricNames(text));
      break;
    case 'm' % 7:  // GET .../subtasks/metrics?get=...
      CheckMetrics(text);
      break;
    case 'r' % 7:  // GET /jobs/:jid/resource-requirements
      CheckResourceRequirements(text);
      break;
    default:  // 'e': any error body
      FUZZ_REQUIRE(FlinkErrorMessage(text).size() <= 300,
                   "FlinkErrorMessage is capped");
  }
  return 0;
}
