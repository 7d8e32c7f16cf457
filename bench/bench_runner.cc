#include "bench/bench_runner.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/agent/agent_loop.h"
#include "client/agent/service_decider.h"
#include "client/sim/sim_adapter.h"
#include "common/interrupt.h"
#include "common/status_macros.h"

namespace streamtune::bench {
namespace {

int Sum(const std::vector<int>& values) {
  return std::accumulate(values.begin(), values.end(), 0);
}

// The per-second series the plots draw. The lag is computed as
// client/sim/run_metrics.cc computes avg_lag_s and max_lag_s (std::max keeps
// a 0/0 of an idle source out), so the plot shows what the metrics score.
void FillSeries(const sim::RunResult& result, BenchRun* run) {
  const size_t sources = result.trace.empty() ? 0 : result.trace[0].target_rate.size();
  run->source_target_rate.assign(sources, {});
  for (const sim::TickRecord& tick : result.trace) {
    run->total_parallelism.push_back(tick.total_parallelism);
    run->oracle_total_parallelism.push_back(result.oracle.At(tick.t).total_parallelism);
    double lag_s = 0;
    for (size_t s = 0; s < sources; ++s) {
      run->source_target_rate[s].push_back(tick.target_rate[s]);
      lag_s = std::max(lag_s, tick.lag[s] / tick.target_rate[s]);
    }
    run->lag_s.push_back(lag_s);
  }
}

}  // namespace

absl::StatusOr<BenchRun> RunPolicyOnWorkload(const sim::Workload& workload,
                                             const std::string& policy,
                                             StreamTuneClient* client,
                                             const DecisionPrinter& print) {
  const absl::Time start = absl::Now();
  const std::string job_id = absl::StrCat(workload.name, ".", policy);
  STREAMTUNE_ASSIGN_OR_RETURN(auto adapter,
                              sim::SimulatedEngineAdapter::Create(workload, job_id));
  // The service's reason for the answer at each decision second.
  absl::flat_hash_map<std::string, std::string> reasons;
  agent::ServiceDeciderOptions options;
  options.policy = policy;
  // Decisions a simulated minute apart come milliseconds apart here: let
  // each fine-tune finish first, as it would within a real minute.
  options.settle_fine_tuning = absl::Seconds(60);
  options.observer = [&](const v1::Snapshot& snapshot,
                         const v1::Recommendation& answer) {
    reasons[snapshot.snapshot_id()] = answer.reason();
  };
  agent::Decider decide = agent::MakeServiceDecider(client, options);
  agent::Decider decide_and_print = [&](const v1::Snapshot& snapshot)
      -> absl::StatusOr<std::optional<std::vector<int>>> {
    if (InterruptRequested()) return absl::CancelledError("interrupted by a signal");
    auto answer = decide(snapshot);
    if (answer.ok() && print) {
      TimelineEntry entry;
      entry.t = static_cast<int>(adapter->engine().now_s());
      entry.before = adapter->engine().parallelism();
      entry.after = answer->has_value() ? **answer : entry.before;
      entry.applied = entry.after != entry.before;
      entry.total_before = Sum(entry.before);
      entry.total_after = Sum(entry.after);
      entry.reason = reasons[snapshot.snapshot_id()];
      print(policy, entry);
    }
    return answer;
  };
  STREAMTUNE_RETURN_IF_ERROR(agent::RunAgentLoop(*adapter, decide_and_print));
  STREAMTUNE_ASSIGN_OR_RETURN(sim::RunResult result, adapter->Finish());

  BenchRun run;
  run.workload = workload.name;
  run.policy = policy;
  for (const auto& op : workload.operators) {
    run.operator_ids.push_back(op.id);
    if (op.kind == v1::OPERATOR_KIND_SOURCE) run.source_ids.push_back(op.id);
  }
  run.lag_slo_s = workload.lag_slo_s;
  run.metrics = result.metrics;
  for (const sim::Decision& decision : result.decisions) {
    TimelineEntry entry;
    entry.t = decision.t;
    entry.applied = decision.applied;
    entry.before = decision.before;
    entry.after = decision.after;
    entry.total_before = Sum(decision.before);
    entry.total_after = Sum(decision.after);
    entry.reason = reasons[absl::StrCat("t", decision.t)];
    run.timeline.push_back(std::move(entry));
  }
  FillSeries(result, &run);
  run.wall_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return run;
}

}  // namespace streamtune::bench
