// FlinkAgent: the body of streamtune-flink-agent. Watches one Flink job or
// every job of a cluster and runs the engine-neutral agent loop for each
// (FlinkJobAdapter + the service's Decider), with dry-run, logging and
// Prometheus metrics. A failing Flink or service is logged and counted, and
// the agent goes on.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "client/flink/flink_agent_metrics.h"
#include "client/flink/flink_operator_kinds.h"
#include "client/flink/http_client.h"
#include "client/streamtune_client.h"

namespace streamtune::flink {

struct FlinkAgentOptions {
  std::string flink_rest = "http://127.0.0.1:8081";  // JobManager REST base URL.
  // One Flink job id; empty watches every job of the cluster (jobs found
  // on each discovery round, one loop per job).
  std::string job;
  std::string snapshot_job_prefix = "flink/";  // Snapshot.job_id = prefix + job id.
  std::string policy;                          // Empty: the service's default.
  bool dry_run = false;        // Ask, log and export; never change the job.
  bool log_snapshots = false;  // Log every snapshot sent, as JSON.
  absl::Duration decision_interval = absl::Seconds(30);
  absl::Duration warmup = absl::Seconds(60);
  absl::Duration rescale_timeout = absl::Seconds(120);
  absl::Duration metrics_settle = absl::Seconds(1);  // FlinkAdapterOptions.
  int max_parallelism_cap = 0;  // > 0: never recommend more (e.g. the slots).
  // The user's operator kinds (--operator_kinds); none when empty.
  OperatorKindOverrides kind_overrides;
};

// Run() on one thread, Stop() from any.
class FlinkAgent {
 public:
  // Borrowed pointers must outlive this object.
  FlinkAgent(FlinkAgentOptions options, HttpClient* http, StreamTuneClient* service,
             FlinkAgentMetrics* metrics);

  // Returns OK once stopped, or (with a single job) when that job ended.
  absl::Status Run();
  void Stop();

 private:
  void RunJob(const std::string& job_id);
  void DiscoverAndWatch();
  // Waits `d`; false when stopping.
  bool Wait(absl::Duration d);

  FlinkAgentOptions options_;
  HttpClient* http_;
  StreamTuneClient* service_;
  FlinkAgentMetrics* metrics_;
  absl::Notification stopping_;
};

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_AGENT_H_
