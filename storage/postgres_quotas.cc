// PostgresStore's per-tenant quota overrides (table tenant_quotas,
// migration 9): admin configuration, read and written across tenants.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/postgres_pool.h"
#include "storage/postgres_store.h"
#include "storage/postgres_transaction.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// What every read selects, in the order QuotaFromRow reads it.
constexpr char kQuotaColumns[] =
    "tenant, calls_per_second, burst, stored_bytes,"
    " (EXTRACT(EPOCH FROM updated_at) * 1000000)::int8";

template <typename T>
std::optional<T> Nullable(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

TenantQuotaRecord QuotaFromRow(const pqxx::row& row) {
  TenantQuotaRecord quota;
  quota.tenant = row[0].as<std::string>();
  quota.calls_per_second = Nullable<double>(row[1]);
  quota.burst = Nullable<double>(row[2]);
  quota.stored_bytes = Nullable<int64_t>(row[3]);
  quota.updated_at = absl::FromUnixMicros(row[4].as<int64_t>());
  return quota;
}

}  // namespace

absl::StatusOr<TenantQuotaRecord> PostgresStore::PutTenantQuota(
    const TenantQuotaRecord& quota) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenantQuota(quota));
  return InScopedTransaction(
      *pool_, "PutTenantQuota", RowScope::AllTenants(),
      [&](pqxx::work& txn) -> absl::StatusOr<TenantQuotaRecord> {
        pqxx::result r = txn.exec_params(
            absl::StrCat(
                "INSERT INTO tenant_quotas (tenant, calls_per_second, burst,"
                " stored_bytes, updated_at)"
                " VALUES ($1, $2, $3, $4, clock_timestamp())"
                " ON CONFLICT (tenant) DO UPDATE SET"
                " calls_per_second = EXCLUDED.calls_per_second,"
                " burst = EXCLUDED.burst, stored_bytes = EXCLUDED.stored_bytes,"
                " updated_at = EXCLUDED.updated_at RETURNING ",
                kQuotaColumns),
            quota.tenant, quota.calls_per_second, quota.burst, quota.stored_bytes);
        return QuotaFromRow(r[0]);
      });
}

absl::StatusOr<std::vector<TenantQuotaRecord>> PostgresStore::ListTenantQuotas() {
  return InScopedTransaction(
      *pool_, "ListTenantQuotas", RowScope::AllTenants(),
      [&](pqxx::work& txn) -> absl::StatusOr<std::vector<TenantQuotaRecord>> {
        pqxx::result r = txn.exec(absl::StrCat("SELECT ", kQuotaColumns,
                                               " FROM tenant_quotas ORDER BY tenant"));
        std::vector<TenantQuotaRecord> quotas;
        for (const pqxx::row& row : r) quotas.push_back(QuotaFromRow(row));
        return quotas;
      });
}

absl::Status PostgresStore::DeleteTenantQuota(absl::string_view tenant) {
  return InScopedTransaction(*pool_, "DeleteTenantQuota", RowScope::AllTenants(),
                             [&](pqxx::work& txn) -> absl::Status {
                               pqxx::result r = txn.exec_params(
                                   "DELETE FROM tenant_quotas WHERE tenant = $1",
                                   std::string(tenant));
                               if (r.affected_rows() == 0) {
                                 return TenantQuotaNotFound(tenant);
                               }
                               return absl::OkStatus();
                             });
}

}  // namespace streamtune
