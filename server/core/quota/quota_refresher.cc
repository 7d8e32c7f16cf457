#include "server/core/quota/quota_refresher.h"

#include <utility>
#include <vector>

namespace streamtune {

QuotaRefresher::QuotaRefresher(Store* store, TenantQuotas* quotas,
                               QuotaRefresherOptions options)
    : store_(store), quotas_(quotas), options_(std::move(options)) {}

QuotaRefresher::~QuotaRefresher() { Stop(); }

absl::Status QuotaRefresher::ReloadNow() {
  absl::StatusOr<std::vector<TenantQuotaRecord>> overrides = store_->ListTenantQuotas();
  if (overrides.ok()) quotas_->ReplaceOverrides(*overrides);
  if (options_.on_reload)
    options_.on_reload(overrides.status(), quotas_->override_count());
  return overrides.status();
}

void QuotaRefresher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void QuotaRefresher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void QuotaRefresher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes early only to stop.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
      if (stopping_) return;
    }
    // A failed read keeps the overrides in force; on_reload reports it.
    ReloadNow().IgnoreError();
  }
}

}  // namespace streamtune
