// QuotaRefresher: keeps TenantQuotas' overrides in step with the store's
// tenant_quotas table, reloading them on a background thread every
// `interval`, so a `streamtunectl quota-set` reaches every replica within
// that time and no call ever waits on the read.
#ifndef STREAMTUNE_SERVER_CORE_QUOTA_QUOTA_REFRESHER_H_
#define STREAMTUNE_SERVER_CORE_QUOTA_QUOTA_REFRESHER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/quota/tenant_quotas.h"
#include "storage/store.h"

namespace streamtune {

struct QuotaRefresherOptions {
  absl::Duration interval = absl::Seconds(10);
  // Told after every reload: OK with the overrides now in force, or why the
  // read failed (the previous overrides stay). May be empty.
  std::function<void(const absl::Status&, size_t overrides)> on_reload;
};

// `store` and `quotas` must outlive the refresher.
class QuotaRefresher {
 public:
  QuotaRefresher(Store* store, TenantQuotas* quotas, QuotaRefresherOptions options);
  ~QuotaRefresher();  // Stops the thread.

  // Reads the overrides once, now. On failure the previous ones stay.
  absl::Status ReloadNow();
  // Starts the background thread (one reload per interval) until Stop.
  void Start();
  void Stop();

 private:
  void Loop();

  Store* store_;
  TenantQuotas* quotas_;
  QuotaRefresherOptions options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_QUOTA_QUOTA_REFRESHER_H_
