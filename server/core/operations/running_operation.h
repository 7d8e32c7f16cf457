// RunningOperation: one pre-training operation in flight on this replica.
// It is the pipeline's PretrainProgress (phases, steps, ETA, the stop flag)
// and owns two threads: the worker running TuningCore::Pretrain, and the
// heartbeat writing the progress to the store every interval (and at each
// phase change), which also learns from that write whether a cancel was
// requested or the operation was failed elsewhere. Internal to
// PretrainOperations; thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_OPERATIONS_RUNNING_OPERATION_H_
#define STREAMTUNE_SERVER_CORE_OPERATIONS_RUNNING_OPERATION_H_

#include <atomic>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/core/learning/pretrain_progress.h"
#include "server/core/tuning_core.h"
#include "storage/store.h"
#include "streamtune/v1/admin.pb.h"

namespace streamtune {

// Why a running operation was asked to stop.
enum class StopReason { kNone, kCancelled, kShutdown, kEndedElsewhere };

class RunningOperation : public PretrainProgress {
 public:
  // `stored` is the operation as CreateOperation returned it. Borrowed
  // pointers must outlive this object.
  RunningOperation(Store* store, TuningCore* core, std::string tenant,
                   v1::Operation stored, absl::Duration heartbeat_interval);
  // Joins the threads (call RequestStop first to make that quick).
  ~RunningOperation() override;

  // Starts the worker and heartbeat threads.
  void Start();
  // Asks the pipeline to stop at its next progress point; the first reason
  // given is kept.
  void RequestStop(StopReason reason);
  // Waits for the worker's final state until `deadline`; true if it ended.
  bool WaitUntilFinished(absl::Time deadline);
  bool finished() const { return finished_.HasBeenNotified(); }
  // Until the pipeline returns (it may still be writing the final state
  // after that, quickly).
  bool busy() const {
    absl::MutexLock lock(&mu_);
    return !pipeline_returned_;
  }
  const std::string& tenant() const { return tenant_; }
  const std::string& name() const { return name_; }

  // PretrainProgress
  void StartPhase(v1::PretrainPhase phase, std::string description,
                  int64_t total) override;
  void Advance(int64_t done, int64_t total) override;
  bool StopRequested() const override { return stop_.load(); }

 private:
  void Work();
  void Heartbeat();
  // The operation as the runner would write it now.
  v1::Operation Current() const;
  // The final state after the pipeline returned `result`.
  v1::Operation Finished(const absl::StatusOr<v1::PretrainResponse>& result);
  // Lists the current phase among the finished ones, ended at `now`.
  void ClosePhase(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteFinal(const v1::Operation& operation);

  Store* const store_;
  TuningCore* const core_;
  const std::string tenant_;
  const std::string name_;
  const v1::PretrainRequest request_;
  const absl::Duration heartbeat_interval_;
  std::atomic<bool> stop_{false};

  mutable absl::Mutex mu_;
  v1::PretrainProgress progress_ ABSL_GUARDED_BY(mu_);
  absl::Time phase_start_ ABSL_GUARDED_BY(mu_);
  bool phase_changed_ ABSL_GUARDED_BY(mu_) = false;
  bool pipeline_returned_ ABSL_GUARDED_BY(mu_) = false;
  StopReason stop_reason_ ABSL_GUARDED_BY(mu_) = StopReason::kNone;

  absl::Notification finished_;
  std::thread worker_;
  std::thread heartbeat_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_OPERATIONS_RUNNING_OPERATION_H_
