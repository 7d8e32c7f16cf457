// InTransaction: how PostgresStore runs each operation: one transaction on a
// pooled connection, committed when the body succeeds, one retry on a fresh
// connection when the connection died before COMMIT, every libpqxx exception
// turned into absl::Status, and the pool's StoreObserver told the latency and
// every database error. Internal to the PostgreSQL store.
#ifndef STREAMTUNE_STORAGE_POSTGRES_TRANSACTION_H_
#define STREAMTUNE_STORAGE_POSTGRES_TRANSACTION_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "pqxx/pqxx"
#include "storage/postgres_pool.h"

namespace streamtune {

// Runs `body` (returning absl::Status or absl::StatusOr<T>, given a
// pqxx::work&) in one transaction on a pooled connection: committed when
// the body returns OK, rolled back otherwise. Every libpqxx exception ends
// here. `what` names the operation in error messages and to the observer.
//
// `Txn` pqxx::nontransaction runs `body` in autocommit mode: for a body of
// one statement (atomic by itself), that saves the BEGIN and COMMIT round
// trips. Its retry after a broken connection is safe only for a statement
// that is idempotent (every one this store sends that way is).
template <typename Txn = pqxx::work, typename Body>
auto InTransaction(PostgresPool& pool, absl::string_view what, Body body)
    -> decltype(body(std::declval<Txn&>())) {
  const absl::Time start = absl::Now();
  auto report = [&] { pool.observer().OnTransaction(what, absl::Now() - start); };
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PostgresPool::Lease> lease = pool.Borrow();
    if (!lease.ok()) {
      pool.observer().OnDatabaseError(what, lease.status());
      report();
      return lease.status();
    }
    bool committing = false;
    try {
      Txn txn(lease->connection());
      auto result = body(txn);
      if (result.ok()) {
        committing = true;
        txn.commit();
      }
      report();
      return result;
    } catch (...) {
      bool broken = false;
      absl::Status status = StatusFromPqxxException(what, &broken);
      if (broken) lease->MarkBroken();
      pool.observer().OnDatabaseError(what, status);
      // Nothing committed on a connection that died before COMMIT, so one
      // more try on a fresh connection is safe for every operation; it
      // hides a server restart between calls from the caller.
      if (broken && !committing && attempt == 1) continue;
      report();
      return status;
    }
  }
}

// Whose rows a transaction may read and write under the tables' row-level
// security (migration 7, docs/architecture.md "Row-level security"): one
// tenant's, or every tenant's for the few operations that are cross-tenant
// by design (the fine-tuning queue's claim, the sweep of every tenant's
// stale operations, migrations). Nothing else may use AllTenants.
struct RowScope {
  static RowScope Tenant(absl::string_view tenant) {
    return RowScope{std::string(tenant), false};
  }
  static RowScope AllTenants() { return RowScope{"", true}; }

  std::string tenant;
  bool all_tenants = false;
};

// The statement that sets `scope` until the end of the current transaction
// (set_config(..., true), i.e. SET LOCAL), with the tenant as a quoted
// literal, so that it can also lead a multi-statement simple query.
inline std::string SetRowScopeSql(pqxx::transaction_base& txn, const RowScope& scope) {
  if (scope.all_tenants) {
    return "SELECT set_config('streamtune.cross_tenant', 'on', true)";
  }
  return absl::StrCat("SELECT set_config('streamtune.tenant', ",
                      txn.quote(scope.tenant), ", true)");
}

// InTransaction (pqxx::work) with the row scope set first: every method of
// PostgresStore that reads or writes tenant rows in a transaction of several
// statements runs through this. A statement in autocommit mode cannot take
// its scope from a statement before it; those lead their SQL with
// SetRowScopeSql in one simple query (or, for streamtune_commit_decision,
// the function sets it from its tenant argument).
template <typename Body>
auto InScopedTransaction(PostgresPool& pool, absl::string_view what,
                         const RowScope& scope, Body body)
    -> decltype(body(std::declval<pqxx::work&>())) {
  return InTransaction(pool, what, [&](pqxx::work& txn) -> decltype(body(txn)) {
    txn.exec(SetRowScopeSql(txn, scope));
    return body(txn);
  });
}

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_POSTGRES_TRANSACTION_H_
