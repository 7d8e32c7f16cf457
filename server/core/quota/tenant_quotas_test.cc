#include "server/core/quota/tenant_quotas.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "server/core/quota/quota_refresher.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

constexpr Quota kFlags{RateLimit{/*calls_per_second=*/5, /*burst=*/10},
                       /*stored_bytes=*/1000};

TEST(TenantQuotasTest, OverridesReplaceOnlyTheFieldsTheySet) {
  TenantQuotas quotas(kFlags);
  TenantQuotaRecord acme;
  acme.tenant = "acme";
  acme.stored_bytes = 0;  // unlimited for acme
  TenantQuotaRecord globex;
  globex.tenant = "globex";
  globex.calls_per_second = 0.5;
  globex.burst = 2;
  TenantQuotaRecord initrode;
  initrode.tenant = "initrode";
  initrode.calls_per_second = 40;
  quotas.ReplaceOverrides({acme, globex, initrode});

  EXPECT_EQ(quotas.override_count(), 3u);
  EXPECT_EQ(quotas.For("initrode").calls.burst, 40);  // one second's worth
  EXPECT_EQ(quotas.For("acme").stored_bytes, 0);
  EXPECT_EQ(quotas.For("acme").calls.calls_per_second, 5);
  EXPECT_EQ(quotas.For("acme").calls.burst, 10);
  EXPECT_EQ(quotas.For("globex").calls.calls_per_second, 0.5);
  EXPECT_EQ(quotas.For("globex").calls.burst, 2);
  EXPECT_EQ(quotas.For("globex").stored_bytes, 1000);
  EXPECT_EQ(quotas.For("initech").calls.calls_per_second, 5);
  EXPECT_EQ(quotas.For("initech").stored_bytes, 1000);

  quotas.ReplaceOverrides({globex});  // acme's override removed
  EXPECT_EQ(quotas.override_count(), 1u);
  EXPECT_EQ(quotas.For("acme").stored_bytes, 1000);
}

TEST(QuotaRefresherTest, ReloadsTheStoresOverrides) {
  InMemoryStore store;
  TenantQuotas quotas(kFlags);
  size_t reported = 99;
  QuotaRefresherOptions options;
  options.on_reload = [&](const absl::Status& status, size_t overrides) {
    EXPECT_TRUE(status.ok()) << status;
    reported = overrides;
  };
  QuotaRefresher refresher(&store, &quotas, options);

  TenantQuotaRecord acme;
  acme.tenant = "acme";
  acme.stored_bytes = 42;
  ASSERT_TRUE(store.PutTenantQuota(acme).ok());
  EXPECT_EQ(quotas.For("acme").stored_bytes, 1000);  // not read yet
  ASSERT_TRUE(refresher.ReloadNow().ok());
  EXPECT_EQ(quotas.For("acme").stored_bytes, 42);
  EXPECT_EQ(reported, 1u);

  ASSERT_TRUE(store.DeleteTenantQuota("acme").ok());
  ASSERT_TRUE(refresher.ReloadNow().ok());
  EXPECT_EQ(quotas.For("acme").stored_bytes, 1000);
  EXPECT_EQ(reported, 0u);
}

TEST(QuotaRefresherTest, BackgroundThreadReloadsUntilStopped) {
  InMemoryStore store;
  TenantQuotas quotas(kFlags);
  TenantQuotaRecord acme;
  acme.tenant = "acme";
  acme.calls_per_second = 1;
  ASSERT_TRUE(store.PutTenantQuota(acme).ok());
  absl::Notification reloaded;
  QuotaRefresherOptions options;
  options.interval = absl::Milliseconds(5);
  options.on_reload = [&](const absl::Status&, size_t) {
    if (!reloaded.HasBeenNotified()) reloaded.Notify();
  };
  QuotaRefresher refresher(&store, &quotas, options);
  refresher.Start();
  ASSERT_TRUE(reloaded.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(quotas.For("acme").calls.calls_per_second, 1);
  refresher.Stop();  // joins; a second Stop (the destructor's) is harmless
}

}  // namespace
}  // namespace streamtune
