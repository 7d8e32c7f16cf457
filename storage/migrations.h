// Versioned schema migrations of the PostgreSQL store: an ordered list of
// {version, description, sql} and the function that applies the missing
// ones. Migrations are append-only: never edit one that has shipped, add the
// next version instead. Thread-safe; safe across processes (see below).
#ifndef STREAMTUNE_STORAGE_MIGRATIONS_H_
#define STREAMTUNE_STORAGE_MIGRATIONS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "pqxx/connection"

namespace streamtune {

struct Migration {
  int64_t version;  // increasing; a gap is allowed (applied by set difference)
  const char* description;
  const char* sql;  // one or more statements
};

// Every migration, ordered by version.
const std::vector<Migration>& Migrations();

// Applies the migrations not yet recorded in schema_migrations, all in one
// transaction under a transaction-scoped advisory lock, so replicas starting
// together apply each migration exactly once and others wait. A database
// newer than this binary (unknown versions recorded) is left as is.
// UNAVAILABLE when the connection is lost, INTERNAL when a migration fails.
absl::Status ApplyMigrations(pqxx::connection& connection);

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_MIGRATIONS_H_
