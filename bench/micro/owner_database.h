// A database for the service benchmarks that is owned by an ordinary role,
// as in production: a superuser (the private PostgreSQL's `postgres`) skips
// row-level security, so a benchmark connected as one would not pay for it.
#ifndef STREAMTUNE_BENCH_MICRO_OWNER_DATABASE_H_
#define STREAMTUNE_BENCH_MICRO_OWNER_DATABASE_H_

#include <string>

#include "absl/status/statusor.h"

namespace streamtune::bench {

// Creates role `role` (LOGIN, no SUPERUSER, no BYPASSRLS) and a database of
// the same name owned by it on the server of `admin_url` (a superuser's
// postgresql://postgres@host:port/db URL); returns the role's URL of it.
absl::StatusOr<std::string> CreateOwnerDatabase(const std::string& admin_url,
                                                const std::string& role);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_MICRO_OWNER_DATABASE_H_
