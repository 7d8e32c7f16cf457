// Where integration tests find the private PostgreSQL that the ctest
// fixture `postgres` started (tests/postgres_fixture.cmake).
#ifndef STREAMTUNE_TESTS_TEST_DATABASE_H_
#define STREAMTUNE_TESTS_TEST_DATABASE_H_

#include <string>

#include "absl/status/statusor.h"

namespace streamtune::testing {

// The URL written by deploy/pg/start.sh into the file named by
// $STREAMTUNE_TEST_DATABASE_URL_FILE. FAILED_PRECONDITION when unset or
// unreadable: tests that need PostgreSQL must fail, never skip.
absl::StatusOr<std::string> TestDatabaseUrl();

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_TEST_DATABASE_H_
