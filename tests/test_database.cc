#include "tests/test_database.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace streamtune::testing {

absl::StatusOr<std::string> TestDatabaseUrl() {
  const char* file = std::getenv("STREAMTUNE_TEST_DATABASE_URL_FILE");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        "STREAMTUNE_TEST_DATABASE_URL_FILE is not set: run through ctest, "
        "whose postgres fixture starts the private PostgreSQL");
  }
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string url(absl::StripAsciiWhitespace(buffer.str()));
  if (url.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(file, ": empty or missing; did postgres_start fail?"));
  }
  return url;
}

}  // namespace streamtune::testing
