#include "bench/micro/owner_database.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"

namespace streamtune::bench {

absl::StatusOr<std::string> CreateOwnerDatabase(const std::string& admin_url,
                                                const std::string& role) {
  try {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("CREATE ROLE ", role, " LOGIN NOSUPERUSER NOBYPASSRLS"));
    txn.exec(absl::StrCat("CREATE DATABASE ", role, " OWNER ", role));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("owner database: ", e.what()));
  }
  const size_t at = admin_url.find('@');
  const size_t slash = admin_url.rfind('/');
  if (at == std::string::npos || slash == std::string::npos || slash < at) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected URL ", admin_url));
  }
  return absl::StrCat("postgresql://", role, admin_url.substr(at, slash + 1 - at),
                      role);
}

}  // namespace streamtune::bench
