// PretrainOperations: the Pretrain RPC as a long-running operation
// (docs/operations.md "Pre-training operations"). Start records a running
// operation in the store and hands it to a background thread owned by this
// object (never a gRPC request thread); the thread runs the pipeline
// (TuningCore::Pretrain) and reports its progress. A heartbeat thread per
// operation writes the progress to the store every heartbeat_interval (any
// replica answers GetOperation from the store) and learns from the same
// write whether a cancel was requested, through any replica.
//
// Restart behaviour: operations are not resumed. A running operation whose
// heartbeat is older than `lease` is failed (ABORTED, "the replica running
// it stopped") by FailStale (at start-up) and by any replica that reads it.
// Free of gRPC, SQL and Torch; thread-safe.
#ifndef STREAMTUNE_SERVER_CORE_OPERATIONS_PRETRAIN_OPERATIONS_H_
#define STREAMTUNE_SERVER_CORE_OPERATIONS_PRETRAIN_OPERATIONS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/tuning_core.h"
#include "storage/store.h"
#include "streamtune/v1/admin.pb.h"

namespace streamtune {

class RunningOperation;

struct PretrainOperationsOptions {
  // How often a running operation's progress is written: its heartbeat, and
  // how soon a cancel sent to another replica is seen.
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // A running operation whose heartbeat is older than this is taken for
  // dead (its replica crashed or was killed) and failed.
  absl::Duration lease = absl::Seconds(30);
  // Operations this replica runs at once (each uses a core while it
  // trains); Start beyond it is RESOURCE_EXHAUSTED.
  int max_running = 1;
};

class PretrainOperations {
 public:
  // `store` and `core` are borrowed and must outlive this object.
  PretrainOperations(Store* store, TuningCore* core,
                     PretrainOperationsOptions options = {});
  // Shutdown(zero grace).
  ~PretrainOperations();
  PretrainOperations(const PretrainOperations&) = delete;
  PretrainOperations& operator=(const PretrainOperations&) = delete;

  // Validates the request (errors as TuningCore::ValidatePretrain), stores
  // a running operation and starts it in the background; returns it at once.
  // RESOURCE_EXHAUSTED at max_running, UNAVAILABLE once shutting down.
  absl::StatusOr<v1::Operation> Start(absl::string_view tenant,
                                      const v1::PretrainRequest& request);
  // The operation as stored; a running one with a stale heartbeat is failed
  // first. NOT_FOUND if the tenant has no such operation.
  absl::StatusOr<v1::Operation> Get(absl::string_view tenant,
                                    const v1::GetOperationRequest& request);
  // The tenant's operations, newest first (stale ones failed first).
  absl::StatusOr<v1::ListOperationsResponse> List(
      absl::string_view tenant, const v1::ListOperationsRequest& request);
  // Requests the cancel through the store (so the replica running it sees
  // it at its next heartbeat) and returns the operation.
  absl::StatusOr<v1::Operation> Cancel(absl::string_view tenant,
                                       const v1::CancelOperationRequest& request);
  // Fails every tenant's running operations with a stale heartbeat; the
  // server calls it at start-up. Returns how many.
  absl::StatusOr<int> FailStale();

  // New Start calls become UNAVAILABLE; running operations are asked to
  // stop and given up to `grace`; each ends FAILED (UNAVAILABLE, "the server
  // shut down"), published nothing. Waits for the threads. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  // Fails the tenant's stale operations when `seen` (one of them) looks
  // stale by this replica's clock; returns whether it did.
  bool FailStaleIfExpired(absl::string_view tenant, const v1::Operation& seen);
  // Joins and forgets the operations whose threads have finished.
  void ReapFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  TuningCore* const core_;
  const PretrainOperationsOptions options_;
  absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // By tenant + "/" + operation name.
  std::map<std::string, std::unique_ptr<RunningOperation>> running_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_OPERATIONS_PRETRAIN_OPERATIONS_H_
