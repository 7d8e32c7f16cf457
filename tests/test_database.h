// Where integration tests find the private PostgreSQL that the ctest
// fixture `postgres` started (tests/postgres_fixture.cmake).
#ifndef STREAMTUNE_TESTS_TEST_DATABASE_H_
#define STREAMTUNE_TESTS_TEST_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace streamtune::testing {

// The URL written by deploy/pg/start.sh into the file named by
// $STREAMTUNE_TEST_DATABASE_URL_FILE. FAILED_PRECONDITION when unset or
// unreadable: tests that need PostgreSQL must fail, never skip.
absl::StatusOr<std::string> TestDatabaseUrl();

// A database of its own on the fixture's PostgreSQL, dropped (with its
// connections) when this object goes. Every test that starts servers uses
// one: a server's fine-tuning workers take work from its whole database's
// queue, so servers of tests running side by side on one database would
// train (or, when a test kills them, hold under lease) each other's work.
class ScratchDatabase {
 public:
  // `prefix` names the database (prefix_<random>): lower case, digits, _.
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create(
      absl::string_view prefix);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  ScratchDatabase(std::string admin_url, std::string name, std::string url)
      : admin_url_(std::move(admin_url)),
        name_(std::move(name)),
        url_(std::move(url)) {}

  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_TEST_DATABASE_H_
