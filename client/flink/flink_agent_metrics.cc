#include "client/flink/flink_agent_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"

namespace streamtune::flink {

FlinkAgentMetrics::FlinkAgentMetrics(prometheus::Registry* registry)
    : parallelism_(prometheus::BuildGauge()
                       .Name("streamtune_flink_vertex_parallelism")
                       .Help("Parallelism of each Flink vertex at the last snapshot")
                       .Register(*registry)),
      recommended_(prometheus::BuildGauge()
                       .Name("streamtune_flink_vertex_recommended_parallelism")
                       .Help("The service's latest recommended parallelism per vertex")
                       .Register(*registry)),
      decisions_(prometheus::BuildCounter()
                     .Name("streamtune_flink_decisions_total")
                     .Help("Decisions by outcome: kept, dry_run, applied, unchanged")
                     .Register(*registry)),
      errors_(
          prometheus::BuildCounter()
              .Name("streamtune_flink_errors_total")
              .Help("Failed agent steps by job and step; nothing is applied on them")
              .Register(*registry)),
      jobs_watched_(prometheus::BuildGauge()
                        .Name("streamtune_flink_jobs_watched")
                        .Help("Flink jobs the agent currently watches")
                        .Register(*registry)
                        .Add({})) {}

void FlinkAgentMetrics::ObserveSnapshot(absl::string_view job,
                                        const v1::Snapshot& snapshot) {
  for (const v1::Operator& op : snapshot.operators()) {
    parallelism_
        .Add({{"job", std::string(job)}, {"vertex", op.id()}, {"name", op.name()}})
        .Set(op.parallelism());
  }
}

void FlinkAgentMetrics::ObserveRecommendation(absl::string_view job,
                                              const v1::Snapshot& snapshot,
                                              const v1::Recommendation& answer) {
  absl::flat_hash_map<std::string, std::string> names;
  for (const v1::Operator& op : snapshot.operators()) names[op.id()] = op.name();
  for (const auto& op : answer.operators()) {
    recommended_
        .Add({{"job", std::string(job)},
              {"vertex", op.operator_id()},
              {"name", names[op.operator_id()]}})
        .Set(op.recommended_parallelism());
  }
}

void FlinkAgentMetrics::CountDecision(absl::string_view job,
                                      absl::string_view outcome) {
  decisions_.Add({{"job", std::string(job)}, {"outcome", std::string(outcome)}})
      .Increment();
}

void FlinkAgentMetrics::CountError(absl::string_view job, absl::string_view step) {
  errors_.Add({{"job", std::string(job)}, {"step", std::string(step)}}).Increment();
}

void FlinkAgentMetrics::SetJobsWatched(int jobs) { jobs_watched_.Set(jobs); }

}  // namespace streamtune::flink
