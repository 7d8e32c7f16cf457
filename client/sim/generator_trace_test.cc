// The generator's trace rate family: windows of real traces, one point per
// simulated minute, fitted to the DAG like the steps family.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "client/sim/generator.h"
#include "client/sim/trace_rates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using ::testing::HasSubstr;

RateOptions Trace() {
  RateOptions options;
  options.family = RateFamily::kTrace;
  return options;
}

// Whether `steps` is, up to the rounding to whole records/s, a window of
// `trace` scaled by one factor.
bool IsWindowOf(const std::vector<RateStep>& steps, const RateTrace& trace) {
  const int points = static_cast<int>(steps.size());
  const int size = static_cast<int>(trace.messages.size());
  double top = 0;
  for (const RateStep& step : steps) top = std::max(top, step.rate);
  for (int start = 0; start + points <= size; ++start) {
    const auto first = trace.messages.begin() + start;
    const double peak = *std::max_element(first, first + points);
    bool match = true;
    for (int k = 0; k < points && match; ++k) {
      match = std::abs(steps[k].rate - top * first[k] / peak) <= 1.0;
    }
    if (match) return true;
  }
  return false;
}

TEST(GenerateWorkloadTrace, KeepsTheDagAndSettingsOfTheSeed) {
  for (const std::string& family : WorkloadFamilies()) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      const Workload steps = *GenerateWorkload(family, seed);
      absl::StatusOr<Workload> trace = GenerateWorkload(family, seed, Trace());
      ASSERT_TRUE(trace.ok()) << trace.status();
      EXPECT_EQ(trace->name, family + "-trace-" + std::to_string(seed));
      EXPECT_EQ(trace->edges, steps.edges) << trace->name;
      EXPECT_EQ(trace->semantics, steps.semantics) << trace->name;
      EXPECT_EQ(trace->noise_sd, steps.noise_sd) << trace->name;
      EXPECT_EQ(trace->decision_interval_s, steps.decision_interval_s) << trace->name;
      ASSERT_EQ(trace->operators.size(), steps.operators.size());
      for (size_t v = 0; v < steps.operators.size(); ++v) {
        EXPECT_EQ(trace->operators[v].capacity, steps.operators[v].capacity);
      }
    }
  }
}

TEST(GenerateWorkloadTrace, SameSeedSameWorkload) {
  for (const std::string& family : WorkloadFamilies()) {
    const std::string a = WorkloadToJson(*GenerateWorkload(family, 42, Trace()));
    EXPECT_EQ(a, WorkloadToJson(*GenerateWorkload(family, 42, Trace())));
    EXPECT_NE(a, WorkloadToJson(*GenerateWorkload(family, 43, Trace())));
    EXPECT_NE(a, WorkloadToJson(*GenerateWorkload(family, 42)));
  }
}

TEST(GenerateWorkloadTrace, ReplaysAWindowOfAShippedTraceOnePointAMinute) {
  std::set<int> durations;
  std::set<std::string> traces_seen;
  int shared = 0;
  int separate = 0;
  for (const std::string& family : WorkloadFamilies()) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const Workload w = *GenerateWorkload(family, seed, Trace());
      durations.insert(w.duration_s);
      std::vector<const std::vector<RateStep>*> shapes;
      for (const auto& [id, steps] : w.sources) {
        ASSERT_EQ(static_cast<int>(steps.size()) * 60, w.duration_s) << w.name;
        for (size_t k = 0; k < steps.size(); ++k) {
          EXPECT_EQ(steps[k].at_s, static_cast<int>(k) * 60) << w.name;
          EXPECT_EQ(steps[k].ramp_s, k == 0 ? 0 : 60) << w.name;
        }
        bool found = false;
        for (const RateTrace& trace : BuiltinRateTraces()) {
          if (IsWindowOf(steps, trace)) {
            found = true;
            traces_seen.insert(trace.name);
          }
        }
        EXPECT_TRUE(found) << w.name << " " << id;
        shapes.push_back(&steps);
      }
      if (shapes.size() < 2) continue;
      // One trace with several weights keeps the sources proportional.
      const std::vector<RateStep>& a = *shapes[0];
      const std::vector<RateStep>& b = *shapes[1];
      bool proportional = true;
      for (size_t k = 0; k < a.size(); ++k) {
        proportional =
            proportional && std::abs(b[k].rate * a[0].rate - a[k].rate * b[0].rate) <=
                                (a[k].rate + b[k].rate) * 2;
      }
      (proportional ? shared : separate) += 1;
    }
  }
  EXPECT_EQ(durations, (std::set<int>{7200, 10800, 14400}));
  EXPECT_GE(traces_seen.size(), 6u);
  EXPECT_GT(shared, 0);
  EXPECT_GT(separate, 0);
}

// Every trace workload validates and round-trips (its oracle is checked with
// the steps family's in generator_test.cc).
TEST(GenerateWorkloadTrace, EveryWorkloadIsValidAndRoundTrips) {
  for (const std::string& family : WorkloadFamilies()) {
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      absl::StatusOr<Workload> w = GenerateWorkload(family, seed, Trace());
      ASSERT_TRUE(w.ok()) << family << " " << seed << ": " << w.status();
      ASSERT_TRUE(ValidateWorkload(*w).ok()) << w->name;
      absl::StatusOr<Workload> again = ParseWorkload(WorkloadToJson(*w), "");
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_TRUE(*again == *w) << w->name;
    }
  }
}

TEST(GenerateWorkloadTrace, FollowsAUserTraceCappedToItsLength) {
  RateOptions options = Trace();
  RateTrace mine;
  mine.name = "mine";
  mine.interval_s = 600;
  mine.messages = {10, 40, 20, 30, 40, 5};
  options.traces = {mine};
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const Workload w = *GenerateWorkload("two_source_join", seed, options);
    EXPECT_EQ(w.duration_s, 6 * 60);  // 120+ minutes wanted, 6 points there.
    for (const auto& [id, steps] : w.sources) {
      EXPECT_TRUE(IsWindowOf(steps, mine)) << w.name << " " << id;
      EXPECT_LT(steps[5].rate, steps[1].rate) << w.name << " " << id;
    }
  }
  options.points = 4;
  EXPECT_EQ(GenerateWorkload("chain", 1, options)->duration_s, 240);

  mine.messages = {10};
  options.traces = {mine};
  absl::StatusOr<Workload> w = GenerateWorkload("chain", 1, options);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(w.status().message(), HasSubstr("trace mine has 1 point(s)"));
}

TEST(ParseRateFamily, KnowsStepsAndTrace) {
  EXPECT_EQ(*ParseRateFamily("steps"), RateFamily::kSteps);
  EXPECT_EQ(*ParseRateFamily("trace"), RateFamily::kTrace);
  EXPECT_EQ(RateFamilyName(RateFamily::kTrace), "trace");
  EXPECT_EQ(ParseRateFamily("spikes").status().message(),
            "unknown rate family \"spikes\" (known: steps, trace)");
}

}  // namespace
}  // namespace streamtune::sim
