#include "client/cli/quota_admin.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace streamtune {
namespace cli {
namespace {

using Json = nlohmann::ordered_json;

// Limits not overridden are absent (the server's flag applies).
Json QuotaJson(const TenantQuotaRecord& quota) {
  Json json = {{"tenant", quota.tenant}};
  if (quota.calls_per_second) json["callsPerSecond"] = *quota.calls_per_second;
  if (quota.burst) json["burst"] = *quota.burst;
  if (quota.stored_bytes) json["storedBytes"] = *quota.stored_bytes;
  json["updatedAt"] =
      absl::FormatTime(absl::RFC3339_full, quota.updated_at, absl::UTCTimeZone());
  return json;
}

}  // namespace

absl::Status RunQuotaCommand(const Invocation& invocation, Store& store,
                             std::ostream& out) {
  const CommandArgs& command = invocation.command;
  const std::string& tenant = invocation.global.tenant;
  if (command.name == "quota-set") {
    TenantQuotaRecord quota;
    quota.tenant = tenant;
    quota.calls_per_second = command.calls_per_second;
    quota.burst = command.burst;
    quota.stored_bytes = command.stored_bytes;
    STREAMTUNE_ASSIGN_OR_RETURN(TenantQuotaRecord stored, store.PutTenantQuota(quota));
    out << QuotaJson(stored).dump(2) << "\n";
    return absl::OkStatus();
  }
  if (command.name == "quotas") {
    STREAMTUNE_ASSIGN_OR_RETURN(std::vector<TenantQuotaRecord> quotas,
                                store.ListTenantQuotas());
    Json list = Json::array();
    for (const TenantQuotaRecord& quota : quotas) {
      if (tenant.empty() || quota.tenant == tenant) list.push_back(QuotaJson(quota));
    }
    out << Json{{"quotas", list}}.dump(2) << "\n";
    return absl::OkStatus();
  }
  if (command.name == "quota-clear") {
    STREAMTUNE_RETURN_IF_ERROR(store.DeleteTenantQuota(tenant));
    out << Json{{"tenant", tenant}, {"cleared", true}}.dump(2) << "\n";
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown quota command \"", command.name, "\""));
}

}  // namespace cli
}  // namespace streamtune
