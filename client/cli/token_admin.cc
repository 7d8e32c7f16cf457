#include "client/cli/token_admin.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "server/core/auth/api_token.h"

namespace streamtune {
namespace cli {
namespace {

using Json = nlohmann::ordered_json;

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

// Everything but the digest.
Json TokenJson(const TokenRecord& token) {
  Json json = {{"tokenId", token.token_id},
               {"tenant", token.tenant},
               {"role", token.role},
               {"description", token.description},
               {"createdAt", Rfc3339(token.created_at)}};
  if (token.revoked_at.has_value()) json["revokedAt"] = Rfc3339(*token.revoked_at);
  return json;
}

}  // namespace

absl::Status RunTokenCommand(const Invocation& invocation, Store& store,
                             std::ostream& out, std::ostream& err) {
  const CommandArgs& command = invocation.command;
  if (command.name == "token-create") {
    STREAMTUNE_ASSIGN_OR_RETURN(Role role, ParseRole(command.role));
    STREAMTUNE_ASSIGN_OR_RETURN(
        IssuedToken issued,
        IssueAndStoreToken(store, invocation.global.tenant, role, command.description));
    Json json = TokenJson(issued.record);
    json["token"] = issued.text;
    out << json.dump(2) << "\n";
    err << "streamtunectl: token-create: keep the token now; only its digest is "
           "stored and it cannot be shown again\n";
    return absl::OkStatus();
  }
  if (command.name == "tokens") {
    STREAMTUNE_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens,
                                store.ListTokens(invocation.global.tenant));
    Json list = Json::array();
    for (const TokenRecord& token : tokens) list.push_back(TokenJson(token));
    out << Json{{"tokens", list}}.dump(2) << "\n";
    return absl::OkStatus();
  }
  if (command.name == "token-revoke") {
    STREAMTUNE_ASSIGN_OR_RETURN(TokenRecord revoked,
                                store.RevokeToken(command.token_id));
    out << TokenJson(revoked).dump(2) << "\n";
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown token command \"", command.name, "\""));
}

}  // namespace cli
}  // namespace streamtune
