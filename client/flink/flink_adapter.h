// FlinkJobAdapter: one Flink job behind the agent's EngineAdapter interface.
// Decision points come every decision_interval of wall time; snapshots cover
// the window since the previous decision point of the same run; a new
// parallelism is applied in place through the adaptive scheduler's
// resource-requirements API (FLIP-291) and confirmed by polling.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_ADAPTER_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_ADAPTER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "client/agent/engine_adapter.h"
#include "client/flink/flink_operator_kinds.h"
#include "client/flink/flink_rest_client.h"

namespace streamtune::flink {

struct FlinkAdapterOptions {
  std::string job_id;           // Flink's job id (32 hex digits).
  std::string snapshot_job_id;  // Snapshot.job_id sent to the service.
  absl::Duration decision_interval = absl::Seconds(30);
  // No decision until the job has run this long since its last (re)start:
  // backlog catch-up and JIT warm-up make early metrics unrepresentative.
  absl::Duration warmup = absl::Seconds(60);
  // How long a rescale may take from the PUT to every vertex RUNNING at the
  // target.
  absl::Duration rescale_timeout = absl::Seconds(120);
  absl::Duration poll_interval = absl::Milliseconds(500);
  // Between asking Flink to refresh its metrics and reading them (see
  // FlinkRestClient::RefreshMetrics).
  absl::Duration metrics_settle = absl::Seconds(1);
  // 409 (another update in progress): retried this many times, waiting
  // conflict_backoff, then twice as long each time.
  int conflict_retries = 4;
  absl::Duration conflict_backoff = absl::Milliseconds(500);
  int max_parallelism_cap = 0;  // > 0: caps what the snapshot offers.
  // The user's operator kinds (--operator_kinds), or nullptr; must outlive
  // the adapter.
  const OperatorKindOverrides* kind_overrides = nullptr;
  // Waits `d` and returns true, or returns false early when the agent is
  // stopping. Default: sleeps, never stops.
  std::function<bool(absl::Duration)> wait;
  std::function<absl::Time()> now;  // Default: absl::Now.
};

// Not thread-safe: one agent loop drives it. Errors come from the REST
// client (see flink_rest_client.h) or are named below; after any error the
// next AwaitDecisionPoint starts afresh, so a caller may keep looping.
class FlinkJobAdapter : public agent::EngineAdapter {
 public:
  // `rest` must outlive this object.
  FlinkJobAdapter(FlinkRestClient* rest, FlinkAdapterOptions options);

  // Waits one decision interval (not before the first decision point), then
  // samples the job (refreshing Flink's metrics first and waiting
  // metrics_settle). False when the job reached a terminal state, is no
  // longer known to the cluster (404), or a wait was stopped.
  absl::StatusOr<bool> AwaitDecisionPoint() override;
  // True while the job or a vertex is not RUNNING, during the warm-up after
  // a (re)start, and at the first decision point of a run (no window yet).
  absl::StatusOr<bool> Restarting() override;
  absl::StatusOr<v1::Snapshot> TakeSnapshot() override;
  // Applies `parallelism` (aligned with the last snapshot's operators).
  // Nothing is applied on doubt: ABORTED when the job is no longer the one
  // the snapshot saw (restarted, rescaled, not running); FAILED_PRECONDITION
  // when Flink (2.x) says the job runs on another scheduler than the
  // adaptive one; INVALID_ARGUMENT for a value outside [1, max_parallelism]
  // or when Flink rejects the request; DEADLINE_EXCEEDED when the rescale
  // is not confirmed in time.
  // False when the vector equals the current parallelism.
  absl::StatusOr<bool> Apply(const std::vector<int>& parallelism) override;

  const std::string& job_id() const { return options_.job_id; }

 private:
  // Once per plan read: which vertices got no kind.
  void LogUnknownKinds(const v1::Snapshot& snapshot);
  absl::Status CheckUnchangedSinceSnapshot();
  absl::Status PutWithRetries(const ResourceRequirements& requirements);
  absl::Status AwaitRescale(const std::map<std::string, int>& target);

  FlinkRestClient* rest_;
  FlinkAdapterOptions options_;
  bool first_point_ = true;
  std::optional<JobSample> current_;
  std::optional<JobSample> baseline_;  // Start of the next snapshot's window.
  std::vector<FlinkInput> plan_;
  absl::flat_hash_map<std::string, std::string> plan_descriptions_;
  int64_t plan_run_ = -1;      // running_since_ms of the run plan_ was read in.
  bool kinds_logged_ = false;  // For the plan read last.
  std::optional<v1::Snapshot> last_snapshot_;
  int64_t last_snapshot_run_ = 0;
};

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_ADAPTER_H_
