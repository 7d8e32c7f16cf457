#include "client/history/history_workloads.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/sim/engine.h"
#include "client/sim/generator.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"

namespace streamtune::history {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seeds short enough to keep job names readable ("chain-123456789012").
constexpr uint64_t kSeedRange = 1000000000000ULL;

uint64_t DrawSeed(const PlanOptions& options, uint64_t draw) {
  uint64_t h = SplitMix64(options.seed);
  h = SplitMix64(h ^ static_cast<uint64_t>(options.min_minutes));
  h = SplitMix64(h ^ (static_cast<uint64_t>(options.max_minutes) << 20));
  return SplitMix64(h ^ draw) % kSeedRange;
}

std::vector<sim::RateStep> ScaleTrace(const std::vector<sim::RateStep>& steps,
                                      double factor, int duration_s) {
  std::vector<sim::RateStep> out;
  for (const sim::RateStep& step : steps) {
    sim::RateStep scaled = step;
    scaled.at_s = static_cast<int>(std::floor(step.at_s * factor));
    scaled.ramp_s =
        step.ramp_s > 0
            ? std::max(1, static_cast<int>(std::floor(step.ramp_s * factor)))
            : 0;
    if (!out.empty()) {
      const sim::RateStep& last = out.back();
      scaled.at_s =
          std::max(scaled.at_s, std::max(last.at_s + 1, last.at_s + last.ramp_s));
      if (scaled.at_s >= duration_s) break;  // Squeezed out of the run.
    }
    out.push_back(scaled);
  }
  return out;
}

// Whether job `index` of the plan is trace-driven: the running count of
// trace jobs, floor(jobs · share), rises at it. The epsilon keeps 3 · (1/3)
// from rounding below 1.
bool IsTraceJob(int index, double share) {
  constexpr double kEpsilon = 1e-9;
  return std::floor((index + 1) * share + kEpsilon) >
         std::floor(index * share + kEpsilon);
}

// Draw `seed` of `family` as a job of `minutes` simulated minutes.
absl::StatusOr<sim::Workload> PlannedWorkload(const std::string& family, uint64_t seed,
                                              int minutes, bool trace) {
  if (trace) {
    sim::RateOptions rates;
    rates.family = sim::RateFamily::kTrace;
    rates.points = minutes;
    return sim::GenerateWorkload(family, seed, rates);
  }
  STREAMTUNE_ASSIGN_OR_RETURN(sim::Workload generated,
                              sim::GenerateWorkload(family, seed));
  return ShortenWorkload(generated, minutes * 60);
}

}  // namespace

absl::StatusOr<std::string> WorkloadDagFingerprint(const sim::Workload& workload) {
  STREAMTUNE_ASSIGN_OR_RETURN(std::unique_ptr<sim::SimulatedEngine> engine,
                              sim::SimulatedEngine::Create(workload));
  engine->Step();
  STREAMTUNE_ASSIGN_OR_RETURN(const v1::Snapshot snapshot,
                              engine->TakeSnapshot(workload.name, "t1"));
  return DagFingerprint(snapshot);
}

absl::StatusOr<sim::Workload> ShortenWorkload(const sim::Workload& workload,
                                              int duration_s) {
  if (duration_s <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration_s: must be > 0, got ", duration_s));
  }
  sim::Workload out = workload;
  const double factor = static_cast<double>(duration_s) / workload.duration_s;
  out.duration_s = duration_s;
  for (auto& [id, steps] : out.sources) steps = ScaleTrace(steps, factor, duration_s);
  STREAMTUNE_RETURN_IF_ERROR(sim::ValidateWorkload(out));
  return out;
}

absl::StatusOr<WorkloadPlan> PlanWorkloads(const PlanOptions& options) {
  if (options.jobs < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("jobs: must be >= 0, got ", options.jobs));
  }
  if (options.min_minutes < 1 || options.max_minutes < options.min_minutes) {
    return absl::InvalidArgumentError(
        absl::StrCat("minutes: need 1 <= min <= max, got ", options.min_minutes, "-",
                     options.max_minutes));
  }
  if (!(options.trace_share >= 0 && options.trace_share <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace_share: must be in [0, 1], got ", options.trace_share));
  }
  std::vector<std::string> active =
      options.families.empty() ? sim::WorkloadFamilies() : options.families;
  WorkloadPlan plan;
  std::set<std::string> names;
  uint64_t draw = 0;
  size_t cursor = 0;
  while (static_cast<int>(plan.workloads.size()) < options.jobs) {
    if (active.empty()) {
      return absl::FailedPreconditionError(
          "every workload family's DAG is excluded; nothing left to generate");
    }
    const std::string family = active[cursor % active.size()];
    const bool trace =
        IsTraceJob(static_cast<int>(plan.workloads.size()), options.trace_share);
    bool accepted = false;
    for (int tries = 0; tries < options.max_draws_per_family && !accepted; ++tries) {
      const uint64_t seed = DrawSeed(options, draw++);
      const int minutes =
          options.min_minutes +
          static_cast<int>(
              SplitMix64(seed) %
              static_cast<uint64_t>(options.max_minutes - options.min_minutes + 1));
      STREAMTUNE_ASSIGN_OR_RETURN(sim::Workload workload,
                                  PlannedWorkload(family, seed, minutes, trace));
      STREAMTUNE_ASSIGN_OR_RETURN(const std::string fingerprint,
                                  WorkloadDagFingerprint(workload));
      if (options.excluded_fingerprints.count(fingerprint) > 0) {
        ++plan.excluded_draws;
        continue;
      }
      if (!names.insert(workload.name).second) continue;
      plan.workloads.push_back(std::move(workload));
      plan.trace_jobs += trace ? 1 : 0;
      accepted = true;
    }
    if (accepted) {
      ++cursor;
    } else {
      plan.dropped_families.push_back(family);
      active.erase(active.begin() + static_cast<long>(cursor % active.size()));
    }
  }
  return plan;
}

}  // namespace streamtune::history
