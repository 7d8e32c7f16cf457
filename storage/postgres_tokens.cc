// PostgresStore's API tokens (table `api_tokens`, migration 6). The secret is
// never stored: only its SHA-256 digest, compared by the authenticator.
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

// What every read selects, in the order TokenFromRow reads it.
constexpr char kTokenColumns[] =
    "token_id, tenant, role, secret_sha256, description,"
    " (EXTRACT(EPOCH FROM created_at) * 1000000)::int8,"
    " (EXTRACT(EPOCH FROM revoked_at) * 1000000)::int8";

TokenRecord TokenFromRow(const pqxx::row& row) {
  TokenRecord token;
  token.token_id = row[0].as<std::string>();
  token.tenant = row[1].as<std::string>();
  token.role = row[2].as<std::string>();
  token.secret_sha256 = row[3].as<std::string>();
  token.description = row[4].as<std::string>();
  token.created_at = absl::FromUnixMicros(row[5].as<int64_t>());
  if (!row[6].is_null()) token.revoked_at = absl::FromUnixMicros(row[6].as<int64_t>());
  return token;
}

}  // namespace

absl::StatusOr<TokenRecord> PostgresStore::PutToken(const TokenRecord& token) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateToken(token));
  return InTransaction<pqxx::nontransaction>(
      *pool_, "PutToken",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<TokenRecord> {
        pqxx::result r = txn.exec_params(
            absl::StrCat(
                "INSERT INTO api_tokens (token_id, tenant, role, secret_sha256,"
                " description, created_at)"
                " VALUES ($1, $2, $3, $4, $5, clock_timestamp())"
                " ON CONFLICT DO NOTHING RETURNING ",
                kTokenColumns),
            token.token_id, token.tenant, token.role, token.secret_sha256,
            token.description);
        if (r.empty()) {
          return absl::AlreadyExistsError(
              absl::StrCat("token \"", token.token_id, "\" exists already"));
        }
        return TokenFromRow(r[0]);
      });
}

absl::StatusOr<TokenRecord> PostgresStore::GetToken(absl::string_view token_id) {
  return InTransaction<pqxx::nontransaction>(
      *pool_, "GetToken",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<TokenRecord> {
        pqxx::result r =
            txn.exec_params(absl::StrCat("SELECT ", kTokenColumns,
                                         " FROM api_tokens WHERE token_id = $1"),
                            std::string(token_id));
        if (r.empty()) return TokenNotFound(token_id);
        return TokenFromRow(r[0]);
      });
}

absl::StatusOr<std::vector<TokenRecord>> PostgresStore::ListTokens(
    absl::string_view tenant) {
  return InTransaction<pqxx::nontransaction>(
      *pool_, "ListTokens",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<std::vector<TokenRecord>> {
        pqxx::result r =
            txn.exec_params(absl::StrCat("SELECT ", kTokenColumns,
                                         " FROM api_tokens WHERE $1 = '' OR tenant = $1"
                                         " ORDER BY created_at, token_id"),
                            std::string(tenant));
        std::vector<TokenRecord> tokens;
        for (const pqxx::row& row : r) tokens.push_back(TokenFromRow(row));
        return tokens;
      });
}

absl::StatusOr<TokenRecord> PostgresStore::RevokeToken(absl::string_view token_id) {
  return InTransaction<pqxx::nontransaction>(
      *pool_, "RevokeToken",
      [&](pqxx::nontransaction& txn) -> absl::StatusOr<TokenRecord> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("UPDATE api_tokens"
                         " SET revoked_at = COALESCE(revoked_at, clock_timestamp())"
                         " WHERE token_id = $1 RETURNING ",
                         kTokenColumns),
            std::string(token_id));
        if (r.empty()) return TokenNotFound(token_id);
        return TokenFromRow(r[0]);
      });
}

}  // namespace streamtune
