#include "server/core/quota/tenant_rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"

namespace streamtune {
namespace {

// A clock the test moves by hand.
class FakeClock {
 public:
  absl::Time Now() const { return now_; }
  void Advance(absl::Duration by) { now_ += by; }
  std::function<absl::Time()> AsFunction() {
    return [this] { return now_; };
  }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TenantRateLimiterOptions Options(FakeClock& clock, double rate, double burst) {
  TenantRateLimiterOptions options;
  options.limit = {rate, burst};
  options.clock = clock.AsFunction();
  return options;
}

TEST(TenantRateLimiterTest, BurstThenRefusedWithTimeUntilNextToken) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/2, /*burst=*/3));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("acme").ok()) << i;
  const absl::Status refused = limiter.Admit("acme");
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  EXPECT_NE(refused.message().find("acme"), absl::string_view::npos) << refused;
  // Two tokens a second: the next one is half a second away.
  EXPECT_EQ(RetryAfterOf(refused), absl::Milliseconds(500));
}

TEST(TenantRateLimiterTest, RetryAfterShrinksAsTimePasses) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/1, /*burst=*/1));
  ASSERT_TRUE(limiter.Admit("acme").ok());
  clock.Advance(absl::Milliseconds(700));
  const absl::Status refused = limiter.Admit("acme");
  ASSERT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_EQ(RetryAfterOf(refused), absl::Milliseconds(300));
  clock.Advance(absl::Milliseconds(300));
  EXPECT_TRUE(limiter.Admit("acme").ok());
}

TEST(TenantRateLimiterTest, RefillsAtTheRateUpToTheBurst) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/10, /*burst=*/5));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.Admit("acme").ok());
  ASSERT_FALSE(limiter.Admit("acme").ok());
  // An hour idle saves up the burst, not 36000 calls.
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Admit("acme").ok()) << i;
  EXPECT_FALSE(limiter.Admit("acme").ok());
  // A tenth of a second: one token.
  clock.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(limiter.Admit("acme").ok());
  EXPECT_FALSE(limiter.Admit("acme").ok());
}

TEST(TenantRateLimiterTest, TenantsHaveBucketsOfTheirOwn) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/1, /*burst=*/2));
  ASSERT_TRUE(limiter.Admit("acme").ok());
  ASSERT_TRUE(limiter.Admit("acme").ok());
  ASSERT_FALSE(limiter.Admit("acme").ok());
  EXPECT_TRUE(limiter.Admit("globex").ok());
  EXPECT_TRUE(limiter.Admit("globex").ok());
  EXPECT_FALSE(limiter.Admit("globex").ok());
}

TEST(TenantRateLimiterTest, RefusedCallsTakeNoToken) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/1, /*burst=*/1));
  ASSERT_TRUE(limiter.Admit("acme").ok());
  // A client hammering while refused does not push its next token away.
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(limiter.Admit("acme").ok());
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter.Admit("acme").ok());
}

TEST(TenantRateLimiterTest, ZeroRateIsUnlimited) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/0, /*burst=*/1));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Admit("acme").ok()) << i;
  EXPECT_EQ(limiter.tracked_tenants(), 0u);  // unlimited tenants keep no bucket
}

// With TenantQuotas, each tenant's bucket follows its own override; the
// others keep the flags' limit.
TEST(TenantRateLimiterTest, FollowsEachTenantsOverride) {
  FakeClock clock;
  TenantQuotas quotas(Quota{RateLimit{/*calls_per_second=*/1, /*burst=*/1}, 0});
  TenantQuotaRecord generous;
  generous.tenant = "globex";
  generous.burst = 4;
  TenantQuotaRecord unlimited;
  unlimited.tenant = "initech";
  unlimited.calls_per_second = 0;
  quotas.ReplaceOverrides({generous, unlimited});
  TenantRateLimiterOptions options = Options(clock, /*rate=*/99, /*burst=*/99);
  options.quotas = &quotas;  // wins over options.limit
  TenantRateLimiter limiter(options);

  ASSERT_TRUE(limiter.Admit("acme").ok());
  EXPECT_FALSE(limiter.Admit("acme").ok());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Admit("globex").ok()) << i;
  const absl::Status refused = limiter.Admit("globex");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::HasSubstr("1 calls per second (burst 4)"));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.Admit("initech").ok()) << i;

  // An override removed later: the tenant is back on the flags' limit.
  quotas.ReplaceOverrides({});
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(limiter.Admit("globex").ok());
  EXPECT_FALSE(limiter.Admit("globex").ok());
}

TEST(TenantRateLimiterTest, ClockSteppingBackDrainsNothing) {
  FakeClock clock;
  TenantRateLimiter limiter(Options(clock, /*rate=*/1, /*burst=*/2));
  ASSERT_TRUE(limiter.Admit("acme").ok());
  clock.Advance(-absl::Hours(1));
  EXPECT_TRUE(limiter.Admit("acme").ok());
  EXPECT_FALSE(limiter.Admit("acme").ok());
}

TEST(TenantRateLimiterTest, ForgetsIdleTenantsButNotBusyOnes) {
  FakeClock clock;
  TenantRateLimiterOptions options = Options(clock, /*rate=*/1, /*burst=*/1);
  options.max_idle_buckets = 4;
  TenantRateLimiter limiter(options);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.Admit(absl::StrCat("once-", i)).ok());
  clock.Advance(absl::Seconds(2));  // The four are full again: idle.
  ASSERT_TRUE(limiter.Admit("busy").ok());
  EXPECT_EQ(limiter.tracked_tenants(), 1u);
  // "busy" has an empty bucket: it is kept, so it gets no fresh burst.
  for (int i = 4; i < 8; ++i) ASSERT_TRUE(limiter.Admit(absl::StrCat("once-", i)).ok());
  ASSERT_TRUE(limiter.Admit("once-8").ok());
  EXPECT_FALSE(limiter.Admit("busy").ok());
}

}  // namespace
}  // namespace streamtune
