// Prometheus metrics of streamtune-flink-agent: one family per metric in a
// registry passed in (never global). Thread-safe: every job's loop reports
// into the same object.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_METRICS_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_METRICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace streamtune::flink {

class FlinkAgentMetrics {
 public:
  // `registry` must outlive this object.
  explicit FlinkAgentMetrics(prometheus::Registry* registry);

  // streamtune_flink_vertex_parallelism{job, vertex, name}: as last observed.
  void ObserveSnapshot(absl::string_view job, const v1::Snapshot& snapshot);
  // streamtune_flink_vertex_recommended_parallelism{job, vertex, name}: the
  // service's latest answer (applied or not).
  void ObserveRecommendation(absl::string_view job, const v1::Snapshot& snapshot,
                             const v1::Recommendation& answer);
  // streamtune_flink_decisions_total{job, outcome}: "kept" (the service
  // advised no change), "dry_run" (a change recommended, not applied by
  // choice), "applied", "unchanged" (the engine already ran it).
  void CountDecision(absl::string_view job, absl::string_view outcome);
  // streamtune_flink_errors_total{job, step}: failed steps (see AgentStep;
  // "discover" for listing the cluster's jobs). Nothing is applied on them.
  void CountError(absl::string_view job, absl::string_view step);
  // streamtune_flink_jobs_watched.
  void SetJobsWatched(int jobs);

 private:
  prometheus::Family<prometheus::Gauge>& parallelism_;
  prometheus::Family<prometheus::Gauge>& recommended_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Gauge& jobs_watched_;
};

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_METRICS_H_
