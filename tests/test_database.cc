#include "tests/test_database.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
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

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create(
    absl::string_view prefix) {
  absl::StatusOr<std::string> admin_url = TestDatabaseUrl();
  if (!admin_url.ok()) return admin_url.status();
  static std::mt19937_64 random{std::random_device{}()};
  const std::string name = absl::StrCat(prefix, "_", random() % 1000000000);
  try {
    pqxx::connection admin(*admin_url);
    pqxx::nontransaction(admin).exec(absl::StrCat("CREATE DATABASE ", name));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CREATE DATABASE ", name, ": ", e.what()));
  }
  // The fixture's URL ends in its database's name.
  std::string url = admin_url->substr(0, admin_url->rfind('/') + 1) + name;
  return std::unique_ptr<ScratchDatabase>(
      new ScratchDatabase(*admin_url, name, std::move(url)));
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction(admin).exec(
        absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception& e) {
    // The fixture's PostgreSQL and its data folder go at the end of the run.
    std::cerr << "DROP DATABASE " << name_ << ": " << e.what() << "\n";
  }
}

}  // namespace streamtune::testing
