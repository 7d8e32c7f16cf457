#include "client/sim/generator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/sim/rate_scaling.h"
#include "client/sim/trace_rates.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"

namespace streamtune::sim {
namespace {

// Uniform draws written out so the sequence does not depend on the standard
// library's distribution implementations.
class Random {
 public:
  explicit Random(uint64_t seed) : generator_(seed) {}

  double Uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(generator_() >> 11) * 0x1.0p-53;
  }
  // log-uniform in [lo, hi]: capacities spread over orders of magnitude.
  double LogUniform(double lo, double hi) {
    return std::exp(Uniform(std::log(lo), std::log(hi)));
  }
  int Int(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(generator_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return Uniform(0, 1) < p; }
  uint64_t Bits() { return generator_(); }

 private:
  std::mt19937_64 generator_;
};

double Round(double value, double unit) {
  return std::max(unit, std::round(value / unit) * unit);
}

v1::Partitioning Hash() { return v1::PARTITIONING_HASH; }

class Builder {
 public:
  explicit Builder(Random* random) : random_(*random) {}

  void Source(const std::string& id) {
    OperatorSpec op;
    op.id = id;
    op.kind = v1::OPERATOR_KIND_SOURCE;
    op.capacity = Round(random_.LogUniform(20000, 150000), 100);
    if (random_.Chance(0.3))
      op.contention = Round(random_.Uniform(0.001, 0.01), 0.0001);
    Finish(&op);
  }

  // An operator of `kind` fed by `inputs` over `partitioning` edges.
  void Op(const std::string& id, v1::OperatorKind kind,
          const std::vector<std::string>& inputs, v1::Partitioning partitioning,
          double fraction = 1) {
    OperatorSpec op;
    op.id = id;
    op.kind = kind;
    op.capacity = Round(random_.LogUniform(4000, 60000), 100);
    op.selectivity = Round(SelectivityFor(kind), 0.001);
    if (!random_.Chance(0.3)) {
      op.contention = Round(random_.Uniform(0.002, 0.05), 0.0001);
    }
    if (partitioning == v1::PARTITIONING_HASH && !random_.Chance(0.4)) {
      op.hot_key_share = Round(random_.Uniform(0.005, 0.05), 0.001);
    }
    for (const std::string& from : inputs) Edge(from, id, partitioning, fraction);
    Finish(&op);
  }

  void Sink(const std::string& id, const std::vector<std::string>& inputs,
            v1::Partitioning partitioning) {
    OperatorSpec op;
    op.id = id;
    op.kind = v1::OPERATOR_KIND_SINK;
    op.capacity = Round(random_.LogUniform(100000, 800000), 1000);
    op.selectivity = 0;
    for (const std::string& from : inputs) Edge(from, id, partitioning, 1);
    Finish(&op);
  }

  void Edge(const std::string& from, const std::string& to,
            v1::Partitioning partitioning, double fraction) {
    workload_.edges.push_back(EdgeSpec{from, to, partitioning, fraction});
  }

  // A cheap stateless step between operators: forward or rebalance.
  v1::Partitioning Local() {
    return random_.Chance(0.3) ? v1::PARTITIONING_FORWARD : v1::PARTITIONING_REBALANCE;
  }

  // For keyed kinds the input must be hash-partitioned.
  v1::Partitioning InputFor(v1::OperatorKind kind) {
    switch (kind) {
      case v1::OPERATOR_KIND_KEYED_AGGREGATE:
      case v1::OPERATOR_KIND_WINDOW_AGGREGATE:
      case v1::OPERATOR_KIND_JOIN:
        return v1::PARTITIONING_HASH;
      default:
        return Local();
    }
  }

  Workload& workload() { return workload_; }

 private:
  double SelectivityFor(v1::OperatorKind kind) {
    switch (kind) {
      case v1::OPERATOR_KIND_FILTER:
        return random_.Uniform(0.1, 0.9);
      case v1::OPERATOR_KIND_FLAT_MAP:
        return random_.Uniform(1.5, 4);
      case v1::OPERATOR_KIND_KEYED_AGGREGATE:
        return random_.Uniform(0.05, 0.8);
      case v1::OPERATOR_KIND_WINDOW_AGGREGATE:
        return random_.Uniform(0.02, 0.5);
      case v1::OPERATOR_KIND_JOIN:
        return random_.Uniform(0.1, 1.0);
      case v1::OPERATOR_KIND_PROCESS:
        return random_.Uniform(0.5, 1.5);
      default:
        return 1;
    }
  }

  void Finish(OperatorSpec* op) {
    if (random_.Chance(0.2)) op->max_parallelism = random_.Chance(0.5) ? 32 : 64;
    workload_.operators.push_back(*op);
  }

  Random& random_;
  Workload workload_;
};

v1::OperatorKind RandomStatelessKind(Random& random) {
  constexpr v1::OperatorKind kKinds[] = {
      v1::OPERATOR_KIND_MAP, v1::OPERATOR_KIND_FILTER, v1::OPERATOR_KIND_FLAT_MAP,
      v1::OPERATOR_KIND_PROCESS};
  return kKinds[random.Int(0, 3)];
}

v1::OperatorKind RandomChainKind(Random& random) {
  constexpr v1::OperatorKind kKinds[] = {v1::OPERATOR_KIND_MAP,
                                         v1::OPERATOR_KIND_FILTER,
                                         v1::OPERATOR_KIND_FLAT_MAP,
                                         v1::OPERATOR_KIND_PROCESS,
                                         v1::OPERATOR_KIND_KEYED_AGGREGATE,
                                         v1::OPERATOR_KIND_WINDOW_AGGREGATE};
  return kKinds[random.Int(0, 5)];
}

void Chain(Builder& b, Random& random) {
  const int n = random.Int(3, 8);
  b.Source("source");
  std::string previous = "source";
  for (int i = 1; i < n - 1; ++i) {
    const v1::OperatorKind kind = RandomChainKind(random);
    const std::string id = absl::StrCat("op", i, "_", OperatorKindName(kind));
    b.Op(id, kind, {previous}, b.InputFor(kind));
    previous = id;
  }
  b.Sink("sink", {previous}, b.Local());
}

void Diamond(Builder& b, Random& random) {
  b.Source("source");
  b.Op("split", random.Chance(0.5) ? v1::OPERATOR_KIND_MAP : v1::OPERATOR_KIND_FLAT_MAP,
       {"source"}, b.Local());
  if (random.Chance(0.4)) {  // Both branches see every record.
    b.Op("branch_a", RandomStatelessKind(random), {"split"},
         v1::PARTITIONING_BROADCAST);
    b.Op("branch_b", RandomStatelessKind(random), {"split"},
         v1::PARTITIONING_BROADCAST);
  } else {  // The records are split between the branches.
    const double share = Round(random.Uniform(0.2, 0.8), 0.01);
    b.Op("branch_a", RandomStatelessKind(random), {"split"}, v1::PARTITIONING_REBALANCE,
         share);
    b.Op("branch_b", RandomStatelessKind(random), {"split"}, v1::PARTITIONING_REBALANCE,
         Round(1 - share, 0.01));
  }
  const v1::OperatorKind merge =
      random.Chance(0.5) ? v1::OPERATOR_KIND_MAP : v1::OPERATOR_KIND_KEYED_AGGREGATE;
  b.Op("merge", merge, {"branch_a", "branch_b"}, b.InputFor(merge));
  b.Sink("sink", {"merge"}, b.Local());
}

void TwoSourceJoin(Builder& b, Random& random) {
  b.Source("left");
  b.Source("right");
  std::vector<std::string> join_inputs;
  for (const std::string side : {"left", "right"}) {
    if (random.Chance(0.5)) {
      const std::string prepare = absl::StrCat("prepare_", side);
      b.Op(prepare,
           random.Chance(0.5) ? v1::OPERATOR_KIND_MAP : v1::OPERATOR_KIND_FILTER,
           {side}, v1::PARTITIONING_FORWARD);
      join_inputs.push_back(prepare);
    } else {
      join_inputs.push_back(side);
    }
  }
  b.Op("join", v1::OPERATOR_KIND_JOIN, join_inputs, Hash());
  b.Sink("sink", {"join"}, b.Local());
}

// Nexmark query plans as operator DAGs (Flink's Nexmark benchmark).
void Nexmark(int query, Builder& b, Random& random) {
  switch (query) {
    case 1:  // Currency conversion.
      b.Source("bids");
      b.Op("to_euro", v1::OPERATOR_KIND_MAP, {"bids"}, v1::PARTITIONING_FORWARD);
      b.Sink("sink", {"to_euro"}, v1::PARTITIONING_FORWARD);
      break;
    case 2:  // Selection.
      b.Source("bids");
      b.Op("select_auctions", v1::OPERATOR_KIND_FILTER, {"bids"},
           v1::PARTITIONING_FORWARD);
      b.Sink("sink", {"select_auctions"}, v1::PARTITIONING_FORWARD);
      break;
    case 3:  // Local item suggestion: persons ⋈ auctions.
      b.Source("persons");
      b.Source("auctions");
      b.Op("filter_persons", v1::OPERATOR_KIND_FILTER, {"persons"},
           v1::PARTITIONING_FORWARD);
      b.Op("filter_auctions", v1::OPERATOR_KIND_FILTER, {"auctions"},
           v1::PARTITIONING_FORWARD);
      b.Op("join", v1::OPERATOR_KIND_JOIN, {"filter_persons", "filter_auctions"},
           Hash());
      b.Sink("sink", {"join"}, b.Local());
      break;
    case 4:  // Average price per category.
      b.Source("auctions");
      b.Source("bids");
      b.Op("join", v1::OPERATOR_KIND_JOIN, {"auctions", "bids"}, Hash());
      b.Op("max_per_auction", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"join"}, Hash());
      b.Op("avg_per_category", v1::OPERATOR_KIND_KEYED_AGGREGATE, {"max_per_auction"},
           Hash());
      b.Sink("sink", {"avg_per_category"}, v1::PARTITIONING_FORWARD);
      break;
    case 5:  // Hot items: sliding-window counts, then the maximum.
      b.Source("bids");
      b.Op("window_count", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"bids"}, Hash());
      b.Op("max_per_window", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"window_count"},
           Hash());
      b.Sink("sink", {"max_per_window"}, v1::PARTITIONING_FORWARD);
      break;
    case 6:  // Average selling price by seller.
      b.Source("auctions");
      b.Source("bids");
      b.Op("join", v1::OPERATOR_KIND_JOIN, {"auctions", "bids"}, Hash());
      b.Op("avg_per_seller", v1::OPERATOR_KIND_KEYED_AGGREGATE, {"join"}, Hash());
      b.Sink("sink", {"avg_per_seller"}, v1::PARTITIONING_FORWARD);
      break;
    case 7:  // Highest bid: window maximum joined back with the bids.
      b.Source("bids");
      b.Op("max_per_window", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"bids"}, Hash());
      b.Op("join", v1::OPERATOR_KIND_JOIN, {"bids", "max_per_window"}, Hash());
      b.Sink("sink", {"join"}, v1::PARTITIONING_FORWARD);
      break;
    default:  // 8: Monitor new users: windowed persons ⋈ auctions.
      b.Source("persons");
      b.Source("auctions");
      b.Op("new_persons", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"persons"}, Hash());
      b.Op("new_auctions", v1::OPERATOR_KIND_WINDOW_AGGREGATE, {"auctions"}, Hash());
      b.Op("join", v1::OPERATOR_KIND_JOIN, {"new_persons", "new_auctions"}, Hash());
      b.Sink("sink", {"join"}, v1::PARTITIONING_FORWARD);
      break;
  }
  (void)random;
}

void FanOut(Builder& b, Random& random) {
  b.Source("source");
  b.Op("parse", v1::OPERATOR_KIND_MAP, {"source"}, b.Local());
  const int branches = random.Int(2, 5);
  const bool broadcast = random.Chance(0.5);
  for (int i = 1; i <= branches; ++i) {
    const std::string branch = absl::StrCat("branch", i);
    if (broadcast) {
      b.Op(branch, RandomStatelessKind(random), {"parse"}, v1::PARTITIONING_BROADCAST);
    } else {
      b.Op(branch, RandomStatelessKind(random), {"parse"}, v1::PARTITIONING_REBALANCE,
           Round(random.Uniform(0.1, 1.0), 0.01));
    }
    b.Sink(absl::StrCat("sink", i), {branch}, v1::PARTITIONING_FORWARD);
  }
}

void DeepKeyed(Builder& b, Random& random) {
  b.Source("source");
  b.Op("parse", v1::OPERATOR_KIND_MAP, {"source"}, b.Local());
  std::string previous = "parse";
  const int stages = random.Int(3, 6);
  for (int i = 1; i <= stages; ++i) {
    const v1::OperatorKind kind = random.Chance(0.5)
                                      ? v1::OPERATOR_KIND_KEYED_AGGREGATE
                                      : v1::OPERATOR_KIND_WINDOW_AGGREGATE;
    const std::string id = absl::StrCat("keyed", i);
    b.Op(id, kind, {previous}, Hash());
    // Deep pipelines keep a real load on every stage, and most have a hot key.
    OperatorSpec& op = b.workload().operators.back();
    op.selectivity = Round(random.Uniform(0.3, 1.0), 0.001);
    if (random.Chance(0.8)) {
      op.hot_key_share = Round(random.Uniform(0.005, 0.04), 0.001);
    }
    previous = id;
  }
  b.Sink("sink", {previous}, v1::PARTITIONING_FORWARD);
}

using FamilyFn = std::function<void(Builder&, Random&)>;

const std::map<std::string, FamilyFn>& Families() {
  static const auto* families = [] {
    auto* map = new std::map<std::string, FamilyFn>{
        {"chain", Chain},
        {"diamond", Diamond},
        {"two_source_join", TwoSourceJoin},
        {"fan_out", FanOut},
        {"deep_keyed", DeepKeyed},
    };
    for (int q = 1; q <= 8; ++q) {
      (*map)[absl::StrCat("nexmark_q", q)] = [q](Builder& b, Random& r) {
        Nexmark(q, b, r);
      };
    }
    return map;
  }();
  return *families;
}

// Change times on a 30-second grid in [10%, 90%] of the run, at least 240 s
// apart (room for a ramp or a spike).
std::vector<int> ChangeTimes(Random& random, int duration) {
  constexpr int kGrid = 30;
  constexpr int kMinGap = 240;
  const int lo = (duration / 10 + kGrid - 1) / kGrid;
  const int hi = (duration * 9 / 10) / kGrid;
  for (int wanted = random.Int(1, 4); wanted > 0; --wanted) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::set<int> times;
      while (static_cast<int>(times.size()) < wanted) {
        times.insert(random.Int(lo, hi) * kGrid);
      }
      std::vector<int> sorted(times.begin(), times.end());
      bool spaced = true;
      for (size_t i = 1; i < sorted.size(); ++i) {
        spaced = spaced && sorted[i] - sorted[i - 1] >= kMinGap;
      }
      if (spaced) return sorted;
    }
  }
  return {duration / 2};
}

// A rate trace of relative levels in (0, 1] with its maximum at 1: a start
// level and, at each change time, a step, a ramp or a spike.
std::vector<RateStep> Shape(Random& random, const std::vector<int>& times,
                            int duration) {
  std::vector<RateStep> steps;
  double level = random.Uniform(0.2, 0.8);
  steps.push_back(RateStep{0, level, 0});
  for (size_t i = 0; i < times.size(); ++i) {
    const int at = times[i];
    const int room = (i + 1 < times.size() ? times[i + 1] : duration) - at;
    const double kind = random.Uniform(0, 1);
    if (kind < 0.5) {  // Step.
      level = random.Uniform(0.1, 1.0);
      steps.push_back(RateStep{at, level, 0});
    } else if (kind < 0.8) {  // Ramp.
      level = random.Uniform(0.1, 1.0);
      const int ramp = std::min(random.Int(6, 60) * 10, room - 30);
      steps.push_back(RateStep{at, level, std::max(ramp, 10)});
    } else {  // Spike: up for a short while, then back.
      const double spike = std::min(1.0, level * random.Uniform(1.5, 3.0));
      const int length = std::min(random.Int(2, 8) * 30, room - 30);
      steps.push_back(RateStep{at, spike, 0});
      steps.push_back(RateStep{at + std::max(length, 30), level, 0});
    }
  }
  double peak = 0;
  for (const RateStep& step : steps) peak = std::max(peak, step.rate);
  for (RateStep& step : steps) step.rate /= peak;
  return steps;
}

// Step-family rates: 1-4 steps, ramps or spikes per source.
void StepRates(Random& random, Workload* w) {
  // Sources of one job often change together (a shared upstream event).
  const bool shared_times = random.Chance(0.5);
  const std::vector<int> common = ChangeTimes(random, w->duration_s);
  bool first = true;
  for (const OperatorSpec& op : w->operators) {
    if (op.kind != v1::OPERATOR_KIND_SOURCE) continue;
    const std::vector<int> times =
        shared_times ? common : ChangeTimes(random, w->duration_s);
    std::vector<RateStep> steps = Shape(random, times, w->duration_s);
    const double weight = first ? 1.0 : random.Uniform(0.3, 1.0);
    for (RateStep& step : steps) step.rate *= weight;
    w->sources[op.id] = std::move(steps);
    first = false;
  }
}

// Trace-family rates: a window per source, all sources on one trace and
// window (a shared upstream, other weights) half of the time.
absl::Status TraceRates(Random& random, const RateOptions& options, Workload* w) {
  const std::vector<RateTrace>& traces =
      options.traces.empty() ? BuiltinRateTraces() : options.traces;
  constexpr int kPoints[] = {120, 180, 240};
  const int drawn = kPoints[random.Int(0, 2)];
  int points = options.points > 0 ? options.points : drawn;
  for (const RateTrace& trace : traces) {
    const int size = static_cast<int>(trace.messages.size());
    if (size < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trace ", trace.name, " has ", size, " point(s); the trace family needs 2"));
    }
    points = std::min(points, size);
  }
  auto pick = [&] {
    TraceFollow follow;
    follow.trace = traces[random.Int(0, static_cast<int>(traces.size()) - 1)];
    follow.start =
        random.Int(0, static_cast<int>(follow.trace.messages.size()) - points);
    return follow;
  };
  const bool shared = random.Chance(0.5);
  std::vector<TraceFollow> follows;
  for (const OperatorSpec& op : w->operators) {
    if (op.kind != v1::OPERATOR_KIND_SOURCE) continue;
    TraceFollow follow = follows.empty() || !shared ? pick() : follows.front();
    follow.source = op.id;
    follow.weight = follows.empty() ? 1.0 : Round(random.Uniform(0.3, 1.0), 0.01);
    follows.push_back(std::move(follow));
  }
  return ApplyTraceFollows(follows, points, w);
}

}  // namespace

const std::vector<std::string>& WorkloadFamilies() {
  static const auto* names = [] {
    auto* list = new std::vector<std::string>{"chain", "diamond", "two_source_join"};
    for (int q = 1; q <= 8; ++q) list->push_back(absl::StrCat("nexmark_q", q));
    list->push_back("fan_out");
    list->push_back("deep_keyed");
    return list;
  }();
  return *names;
}

absl::string_view RateFamilyName(RateFamily family) {
  return family == RateFamily::kTrace ? "trace" : "steps";
}

absl::StatusOr<RateFamily> ParseRateFamily(absl::string_view name) {
  for (RateFamily family : {RateFamily::kSteps, RateFamily::kTrace}) {
    if (name == RateFamilyName(family)) return family;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown rate family \"", name, "\" (known: steps, trace)"));
}

absl::StatusOr<Workload> GenerateWorkload(absl::string_view family, uint64_t seed) {
  return GenerateWorkload(family, seed, RateOptions());
}

absl::StatusOr<Workload> GenerateWorkload(absl::string_view family, uint64_t seed,
                                          const RateOptions& rates) {
  auto it = Families().find(std::string(family));
  if (it == Families().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown workload family \"", family,
                     "\" (known: ", absl::StrJoin(WorkloadFamilies(), ", "), ")"));
  }
  // Mix the family into the seed so that families with the same seed differ.
  const uint64_t family_hash = std::stoull(Fnv1aHex(family), nullptr, 16);
  Random random(seed ^ family_hash);
  Builder builder(&random);
  it->second(builder, random);
  Workload w = std::move(builder.workload());
  const bool trace = rates.family == RateFamily::kTrace;
  w.name = absl::StrCat(family, trace ? "-trace-" : "-", seed);
  w.seed = static_cast<int64_t>(random.Bits() >> 1);
  constexpr int kDurations[] = {1800, 3600, 3600, 5400, 7200};
  w.duration_s = kDurations[random.Int(0, 4)];
  if (random.Chance(0.2)) {
    w.semantics = v1::METRIC_SEMANTICS_TIMELY;
    w.restart_downtime_s = 5;
  }
  constexpr double kNoise[] = {0.02, 0.02, 0.02, 0.0, 0.01, 0.05};
  w.noise_sd = kNoise[random.Int(0, 5)];
  if (random.Chance(0.2)) w.decision_interval_s = random.Chance(0.5) ? 30 : 120;
  if (trace) {
    STREAMTUNE_RETURN_IF_ERROR(TraceRates(random, rates, &w));
  } else {
    StepRates(random, &w);
  }
  ScaleTarget target;
  target.peak_parallelism = random.Int(4, 32);
  if (random.Chance(0.1)) target.beyond_feasible = random.Uniform(1.05, 1.25);
  ScaleRates(target, &w);
  if (random.Chance(0.3)) {
    for (OperatorSpec& op : w.operators) {
      op.parallelism = random.Int(1, std::min(4, op.max_parallelism));
    }
  }
  absl::Status valid = ValidateWorkload(w);
  if (!valid.ok()) {
    return absl::InternalError(
        absl::StrCat("generated workload ", w.name, " is invalid: ", valid.message()));
  }
  return w;
}

}  // namespace streamtune::sim
