// streamtunectl's quota administration (quota-set, quotas, quota-clear): the
// per-tenant overrides of the server's quota flags, on the service's
// PostgreSQL directly like the token commands (client/cli/token_admin.h).
// Replicas pick a change up within their --quota_refresh_interval.
#ifndef STREAMTUNE_CLIENT_CLI_QUOTA_ADMIN_H_
#define STREAMTUNE_CLIENT_CLI_QUOTA_ADMIN_H_

#include <ostream>

#include "absl/status/status.h"
#include "client/cli/cli_flags.h"
#include "storage/store.h"

namespace streamtune {
namespace cli {

// Runs a quota command, printing JSON on `out`.
absl::Status RunQuotaCommand(const Invocation& invocation, Store& store,
                             std::ostream& out);

}  // namespace cli
}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_CLI_QUOTA_ADMIN_H_
