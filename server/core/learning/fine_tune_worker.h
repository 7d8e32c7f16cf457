// FineTuneWorker: the background half of fine-tuning (docs/architecture.md,
// "Fine-tuning off the request path"). A decision that wants the job's
// model brought up to date leaves a request in the store's queue, committed
// with its answer; workers in every replica claim requests (PostgreSQL's
// FOR UPDATE SKIP LOCKED: each goes to one worker), train, and store the new
// model version and the request's removal in one transaction. A claim is a
// lease: when a replica dies mid-training, its request becomes claimable
// again when the lease runs out, and another replica trains it.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNE_WORKER_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNE_WORKER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/learning/fine_tuning.h"
#include "server/core/learning/model_repository.h"
#include "storage/store.h"

namespace streamtune {

struct FineTuneWorkerOptions {
  FineTuneOptions fine_tune;
  // Snapshots of the job a fine-tune trains on (the newest ones up to the
  // snapshot that asked), as many as a decision sees.
  int history_snapshots = 128;
  // How long a claim holds before another replica may take the request
  // over: far above one fine-tune (well under a second on 2 cores).
  absl::Duration lease = absl::Minutes(2);
  // A request is tried at most this often, then dropped (the job's next
  // decision asks again). Claims count, so a request whose training kills
  // its replica every time is not taken up forever.
  int max_attempts = 3;
  // How long an idle worker waits before it looks at the queue again.
  absl::Duration idle_poll = absl::Milliseconds(200);
  // Told about every finished or failed task (logs, metrics); may be empty.
  std::function<void(const FineTuneTask&, const absl::Status&)> on_task;
};

// Thread-safe. `store`, `models` and `trainer` must outlive the worker.
class FineTuneWorker {
 public:
  FineTuneWorker(Store* store, ModelRepository* models, const ModelTrainer* trainer,
                 FineTuneWorkerOptions options);
  ~FineTuneWorker();  // Stops the threads.

  // Claims one request and runs it: true when there was one (whatever its
  // outcome: a failed one is released for a retry or dropped), false when
  // the queue had none claimable. Errors only when the store cannot be
  // reached.
  absl::StatusOr<bool> RunOne();

  // Starts `threads` background threads running RunOne until Stop.
  void Start(int threads);
  // Wakes idle threads now (e.g. this replica just queued a request).
  void Wake();
  // Stops and joins the threads; a task in flight finishes first.
  void Stop();

 private:
  void Loop();

  Store* store_;
  ModelRepository* models_;
  const ModelTrainer* trainer_;
  FineTuneWorkerOptions options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_FINE_TUNE_WORKER_H_
