#include "server/core/learning/fine_tune_worker.h"

#include <utility>

#include "common/status_macros.h"

namespace streamtune {

FineTuneWorker::FineTuneWorker(Store* store, ModelRepository* models,
                               const ModelTrainer* trainer,
                               FineTuneWorkerOptions options)
    : store_(store), models_(models), trainer_(trainer), options_(std::move(options)) {}

FineTuneWorker::~FineTuneWorker() { Stop(); }

absl::StatusOr<bool> FineTuneWorker::RunOne() {
  STREAMTUNE_ASSIGN_OR_RETURN(
      std::optional<FineTuneTask> task,
      store_->ClaimFineTune(options_.lease, options_.max_attempts));
  if (!task.has_value()) return false;
  auto train = [&]() -> absl::Status {
    STREAMTUNE_ASSIGN_OR_RETURN(
        std::vector<v1::StoredSnapshot> history,
        store_->SnapshotsThrough(task->tenant, task->job_id, task->through_sequence,
                                 options_.history_snapshots));
    const FineTuneRequest& request = task->request;
    STREAMTUNE_ASSIGN_OR_RETURN(
        v1::Model cluster_model,
        store_->GetModel(request.model_tenant, request.cluster_model_id,
                         request.cluster_model_version));
    STREAMTUNE_ASSIGN_OR_RETURN(std::string weights,
                                models_->Weights(request.model_tenant, cluster_model));
    STREAMTUNE_ASSIGN_OR_RETURN(
        FineTunedModel tuned, FineTune(*trainer_, task->job_id, history, cluster_model,
                                       weights, options_.fine_tune));
    return store_->CompleteFineTune(*task, tuned.record, tuned.weights).status();
  };
  const absl::Status outcome = train();
  if (!outcome.ok()) {
    // Too little to learn from is no failure to retry: the job asks again
    // when it has more history.
    const bool retry =
        !absl::IsFailedPrecondition(outcome) && task->attempts < options_.max_attempts;
    STREAMTUNE_RETURN_IF_ERROR(store_->ReleaseFineTune(*task, retry));
  }
  if (options_.on_task) options_.on_task(*task, outcome);
  return true;
}

void FineTuneWorker::Start(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void FineTuneWorker::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void FineTuneWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void FineTuneWorker::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<bool> ran = RunOne();
    if (ran.ok() && *ran) continue;  // More may be queued.
    // Idle (or the store is unreachable): wait for a wake-up, the poll
    // interval or Stop, whichever comes first.
    absl::MutexLock lock(&mu_);
    auto ready = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), options_.idle_poll);
    woken_ = false;
  }
}

}  // namespace streamtune
