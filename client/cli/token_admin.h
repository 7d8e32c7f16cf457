// streamtunectl's token administration (token-create, tokens,
// token-revoke): on the service's PostgreSQL directly, not through a
// server, so the first admin token can be issued before anyone can call.
#ifndef STREAMTUNE_CLIENT_CLI_TOKEN_ADMIN_H_
#define STREAMTUNE_CLIENT_CLI_TOKEN_ADMIN_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cli/cli_flags.h"
#include "storage/store.h"

namespace streamtune {
namespace cli {

// Opens the store at a database URL (PostgresStore in the binary, an
// in-memory store in tests).
using StoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<Store>>(const std::string& url)>;

// Runs a token command, printing JSON on `out`. token-create prints the
// token text once, with a reminder on `err` that it is not shown again.
absl::Status RunTokenCommand(const Invocation& invocation, Store& store,
                             std::ostream& out, std::ostream& err);

}  // namespace cli
}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CLI_TOKEN_ADMIN_H_
