// StoreObserver: hooks through which the PostgreSQL store reports how its
// database behaves (transaction latency, database errors, waits for a pooled
// connection), without knowing who listens. The service layer implements it
// with Prometheus metrics; the default does nothing. PoolStats is the pool's
// occupancy, read on demand.
#ifndef STREAMTUNE_STORAGE_STORE_OBSERVER_H_
#define STREAMTUNE_STORAGE_STORE_OBSERVER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace streamtune {

// Implementations must be thread-safe: hooks run on RPC threads, outside the
// store's locks.
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  // One store operation (e.g. "PutSnapshot") finished after `elapsed`,
  // connection wait and a reconnect-retry included, whatever its outcome.
  virtual void OnTransaction(absl::string_view operation, absl::Duration elapsed) {}
  // PostgreSQL failed during `operation`: no free connection, cannot
  // connect, lost connection, SQL error. Reported for every failed attempt,
  // also when the store's one reconnect-retry then succeeded (so dropped
  // connections show); never for answers such as NOT_FOUND.
  virtual void OnDatabaseError(absl::string_view operation, const absl::Status& error) {
  }
  // A caller waited `wait` for a pooled connection (successfully or not).
  virtual void OnConnectionWait(absl::Duration wait) {}
};

// Connections of a pool at one instant.
struct PoolStats {
  int size = 0;    // the most it opens
  int open = 0;    // idle + borrowed + being opened
  int in_use = 0;  // borrowed or being opened
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_STORE_OBSERVER_H_
