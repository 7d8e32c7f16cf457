// PostgresPool: a bounded pool of libpqxx connections for PostgresStore, and
// the one place that turns libpqxx exceptions into absl::Status (messages
// never carry SQL). Connections open lazily up to the bound; a connection that
// broke is dropped and replaced by a fresh one on a later Borrow.
// Thread-safe.
#ifndef STREAMTUNE_STORAGE_POSTGRES_POOL_H_
#define STREAMTUNE_STORAGE_POSTGRES_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/connection"
#include "storage/store_observer.h"

namespace streamtune {

struct PostgresPoolOptions {
  // libpq URL (postgresql://...) or key=value connection string.
  std::string url;
  // Connections open at most.
  int size = 8;
  // libpq connect_timeout (whole seconds; libpq treats less than 2 as 2).
  absl::Duration connect_timeout = absl::Seconds(10);
  // Longest wait in Borrow for a free connection.
  absl::Duration acquire_timeout = absl::Seconds(10);
  // The pushback a Borrow that found no free connection asks of the client
  // (common/retry_after.h; the client's `grpc-retry-pushback-ms`): every
  // connection stayed busy for a whole acquire_timeout, so an early retry
  // would only queue behind the same calls.
  absl::Duration overload_pushback = absl::Seconds(1);
  // Told about every wait for a connection; may be null. Borrowed: must
  // outlive the pool.
  StoreObserver* observer = nullptr;
};

// The status for the exception being handled; call only inside a catch
// block. Sets *broken when the connection can no longer be used. UNAVAILABLE
// for a lost connection, INTERNAL otherwise; `what` names the operation.
absl::Status StatusFromPqxxException(absl::string_view what, bool* broken);

class PostgresPool {
 public:
  // A borrowed connection, given back when the lease is destroyed. Must not
  // outlive the pool.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& connection() { return *connection_; }
    // The connection broke: close it instead of returning it to the pool.
    void MarkBroken() { broken_ = true; }

   private:
    friend class PostgresPool;
    Lease(PostgresPool* pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    PostgresPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool broken_ = false;
  };

  // Opens one connection to check the options. UNAVAILABLE when the server
  // cannot be reached, INVALID_ARGUMENT for a bad size.
  static absl::StatusOr<std::unique_ptr<PostgresPool>> Create(
      const PostgresPoolOptions& options);
  // All leases must have been returned.
  ~PostgresPool();

  // A connection, opened if needed. RESOURCE_EXHAUSTED with
  // overload_pushback attached (WithRetryAfter) when none is free within
  // acquire_timeout; UNAVAILABLE when a new one cannot be opened.
  absl::StatusOr<Lease> Borrow();

  // Occupancy right now.
  PoolStats Stats();
  // The observer of the options (never null: a no-op one when none was
  // given).
  StoreObserver& observer() const { return *observer_; }

 private:
  explicit PostgresPool(const PostgresPoolOptions& options);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect() const;
  void GiveBack(std::unique_ptr<pqxx::connection> connection, bool broken);

  const PostgresPoolOptions options_;
  const std::string connection_string_;  // url with connect_timeout
  StoreObserver* const observer_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + borrowed + being opened
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_POSTGRES_POOL_H_
