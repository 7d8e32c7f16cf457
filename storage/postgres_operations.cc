// PostgresStore's pre-training operations (table `operations`, migration 5):
// the whole Operation is stored as bytes; the columns beside it are the
// parts the store owns and queries (times, done, cancel_requested).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "pqxx/pqxx"
#include "storage/postgres_pool.h"
#include "storage/postgres_store.h"
#include "storage/postgres_transaction.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// What every read selects, in the order OperationFromRow reads it.
constexpr char kOperationColumns[] =
    "operation, (EXTRACT(EPOCH FROM created_at) * 1000000)::int8,"
    " (EXTRACT(EPOCH FROM updated_at) * 1000000)::int8, done, cancel_requested";

absl::StatusOr<v1::Operation> OperationFromRow(const pqxx::row& row) {
  const pqxx::binarystring bytes(row[0]);
  v1::Operation operation;
  if (!operation.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("operations.operation: not an Operation");
  }
  *operation.mutable_create_time() = FromUnixMicros(row[1].as<int64_t>());
  *operation.mutable_update_time() = FromUnixMicros(row[2].as<int64_t>());
  operation.set_done(row[3].as<bool>());
  operation.set_cancel_requested(row[4].as<bool>());
  return operation;
}

// The bytes stored for `operation`: without the fields kept in columns.
std::string StoredBytes(v1::Operation operation) {
  operation.clear_create_time();
  operation.clear_update_time();
  operation.clear_cancel_requested();
  return operation.SerializeAsString();
}

// The tenant's operation, locked for update when `for_update`.
absl::StatusOr<v1::Operation> ReadOperation(pqxx::work& txn, absl::string_view tenant,
                                            absl::string_view name, bool for_update) {
  pqxx::result r =
      txn.exec_params(absl::StrCat("SELECT ", kOperationColumns,
                                   " FROM operations WHERE tenant = $1 AND name = $2",
                                   for_update ? " FOR UPDATE" : ""),
                      std::string(tenant), std::string(name));
  if (r.empty()) return OperationNotFound(name);
  return OperationFromRow(r[0]);
}

}  // namespace

absl::StatusOr<v1::Operation> PostgresStore::CreateOperation(
    absl::string_view tenant, const v1::Operation& operation) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateOperation(operation));
  const std::string serialized = StoredBytes(operation);
  const pqxx::binarystring bytes(serialized.data(), serialized.size());
  return InScopedTransaction(
      *pool_, "CreateOperation", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Operation> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("INSERT INTO operations (tenant, name, created_at, updated_at,"
                         " done, operation)"
                         " SELECT $1, $2, now, now, $3, $4"
                         " FROM (SELECT clock_timestamp() AS now) AS clock"
                         " ON CONFLICT DO NOTHING RETURNING ",
                         kOperationColumns),
            std::string(tenant), operation.name(), operation.done(), bytes);
        if (r.empty()) {
          return absl::AlreadyExistsError(
              absl::StrCat("operation \"", operation.name(), "\" exists already"));
        }
        return OperationFromRow(r[0]);
      });
}

absl::StatusOr<v1::Operation> PostgresStore::GetOperation(absl::string_view tenant,
                                                          absl::string_view name) {
  return InScopedTransaction(*pool_, "GetOperation", RowScope::Tenant(tenant),
                             [&](pqxx::work& txn) -> absl::StatusOr<v1::Operation> {
                               return ReadOperation(txn, tenant, name, false);
                             });
}

absl::StatusOr<v1::Operation> PostgresStore::UpdateOperation(
    absl::string_view tenant, const v1::Operation& operation) {
  return InScopedTransaction(
      *pool_, "UpdateOperation", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<v1::Operation> {
        STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation stored,
                                    ReadOperation(txn, tenant, operation.name(), true));
        if (stored.done()) return OperationAlreadyDone(operation.name());
        ApplyRunnerUpdate(operation, &stored);
        const std::string serialized = StoredBytes(stored);
        const pqxx::binarystring bytes(serialized.data(), serialized.size());
        pqxx::result r = txn.exec_params(
            absl::StrCat("UPDATE operations SET updated_at = clock_timestamp(),"
                         " done = $3, operation = $4"
                         " WHERE tenant = $1 AND name = $2 RETURNING ",
                         kOperationColumns),
            std::string(tenant), operation.name(), stored.done(), bytes);
        return OperationFromRow(r[0]);
      });
}

absl::StatusOr<v1::Operation> PostgresStore::RequestOperationCancel(
    absl::string_view tenant, absl::string_view name) {
  return InScopedTransaction(*pool_, "RequestOperationCancel", RowScope::Tenant(tenant),
                             [&](pqxx::work& txn) -> absl::StatusOr<v1::Operation> {
                               txn.exec_params(
                                   "UPDATE operations SET cancel_requested = TRUE"
                                   " WHERE tenant = $1 AND name = $2 AND NOT done",
                                   std::string(tenant), std::string(name));
                               return ReadOperation(txn, tenant, name, false);
                             });
}

absl::StatusOr<int> PostgresStore::FailStaleOperations(
    absl::string_view tenant, absl::Duration max_heartbeat_age,
    const v1::OperationError& error) {
  // Every tenant's sweep (an empty tenant) is cross-tenant by design.
  const RowScope scope =
      tenant.empty() ? RowScope::AllTenants() : RowScope::Tenant(tenant);
  return InScopedTransaction(
      *pool_, "FailStaleOperations", scope,
      [&](pqxx::work& txn) -> absl::StatusOr<int> {
        pqxx::result stale = txn.exec_params(
            absl::StrCat("SELECT ", kOperationColumns, ", tenant",
                         " FROM operations WHERE NOT done AND updated_at <"
                         " clock_timestamp() - $1::int8 * interval '1 microsecond'"
                         " AND ($2 = '' OR tenant = $2) FOR UPDATE SKIP LOCKED"),
            absl::ToInt64Microseconds(max_heartbeat_age), std::string(tenant));
        for (const pqxx::row& row : stale) {
          STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation, OperationFromRow(row));
          FailOperation(error, &operation);
          const std::string serialized = StoredBytes(operation);
          txn.exec_params(
              "UPDATE operations SET done = TRUE, operation = $3"
              " WHERE tenant = $1 AND name = $2",
              row[5].as<std::string>(), operation.name(),
              pqxx::binarystring(serialized.data(), serialized.size()));
        }
        return static_cast<int>(stale.size());
      });
}

absl::StatusOr<std::vector<v1::Operation>> PostgresStore::ListOperationsBefore(
    absl::string_view tenant, const std::optional<OperationCursor>& before, int limit) {
  const OperationCursor cursor = before.value_or(OperationCursor());
  return InScopedTransaction(
      *pool_, "ListOperations", RowScope::Tenant(tenant),
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<v1::Operation>> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("SELECT ", kOperationColumns,
                         " FROM operations WHERE tenant = $1 AND ($2::bool OR",
                         // $3: microseconds since the epoch, exactly.
                         " (created_at, name) < (timestamptz 'epoch' +",
                         " $3::int8 * interval '1 microsecond', $4::text))",
                         " ORDER BY created_at DESC, name DESC LIMIT $5"),
            std::string(tenant), !before.has_value(), cursor.created_micros,
            cursor.name, limit);
        std::vector<v1::Operation> out;
        for (const pqxx::row& row : r) {
          STREAMTUNE_ASSIGN_OR_RETURN(out.emplace_back(), OperationFromRow(row));
        }
        return out;
      });
}

}  // namespace streamtune
