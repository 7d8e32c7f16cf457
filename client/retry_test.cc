#include "client/retry.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;

RetryPolicy NoJitter() {
  RetryPolicy policy;
  policy.jitter = 0;
  return policy;
}

TEST(BackoffDelay, DoublesFromInitialUpToMax) {
  const RetryPolicy policy = NoJitter();
  std::vector<absl::Duration> delays;
  for (int retry = 1; retry <= 7; ++retry) {
    delays.push_back(BackoffDelay(policy, retry, 0.5));
  }
  EXPECT_THAT(delays, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                                  absl::Milliseconds(400), absl::Milliseconds(800),
                                  absl::Milliseconds(1600), absl::Seconds(2),
                                  absl::Seconds(2)));
}

TEST(BackoffDelay, MiddleRandomGivesDelayWithoutJitter) {
  const RetryPolicy policy;  // jitter 0.2
  EXPECT_EQ(BackoffDelay(policy, 1, 0.5), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.5), absl::Milliseconds(400));
}

TEST(BackoffDelay, JitterStaysWithinBounds) {
  const RetryPolicy policy;
  EXPECT_EQ(BackoffDelay(policy, 2, 0.0), absl::Milliseconds(160));
  EXPECT_EQ(BackoffDelay(policy, 2, 1.0), absl::Milliseconds(240));
  for (double u = 0; u <= 1.0; u += 0.05) {
    const absl::Duration d = BackoffDelay(policy, 2, u);
    EXPECT_GE(d, absl::Milliseconds(160));
    EXPECT_LE(d, absl::Milliseconds(240));
  }
}

TEST(BackoffDelay, JitterNeverExceedsMaxBackoff) {
  const RetryPolicy policy;
  EXPECT_EQ(BackoffDelay(policy, 5, 1.0), absl::Milliseconds(1920));
  EXPECT_EQ(BackoffDelay(policy, 6, 1.0), absl::Seconds(2));
}

TEST(BackoffDelay, DelaysAtTheCapStillSpreadOut) {
  const RetryPolicy policy;
  EXPECT_EQ(BackoffDelay(policy, 6, 0.0), absl::Milliseconds(1600));
  EXPECT_EQ(BackoffDelay(policy, 50, 0.0), absl::Milliseconds(1600));
}

TEST(BackoffDelay, HugeRetryNumberDoesNotOverflow) {
  EXPECT_EQ(BackoffDelay(NoJitter(), 1000000, 0.5), absl::Seconds(2));
}

TEST(BackoffDelay, OutOfRangeRandomIsClamped) {
  const RetryPolicy policy;
  EXPECT_EQ(BackoffDelay(policy, 1, -3.0), BackoffDelay(policy, 1, 0.0));
  EXPECT_EQ(BackoffDelay(policy, 1, 7.0), BackoffDelay(policy, 1, 1.0));
}

TEST(BackoffDelay, RetryZeroMeansNoDelay) {
  EXPECT_EQ(BackoffDelay(RetryPolicy(), 0, 0.5), absl::ZeroDuration());
}

TEST(ValidateRetryPolicy, AcceptsDefaults) {
  EXPECT_TRUE(ValidateRetryPolicy(RetryPolicy()).ok());
}

TEST(ValidateRetryPolicy, NamesTheBadField) {
  RetryPolicy policy;
  policy.max_attempts = -1;
  EXPECT_THAT(std::string(ValidateRetryPolicy(policy).message()),
              ::testing::StartsWith("retry.max_attempts:"));
  policy = RetryPolicy();
  policy.backoff_multiplier = 0.5;
  EXPECT_THAT(std::string(ValidateRetryPolicy(policy).message()),
              ::testing::StartsWith("retry.backoff_multiplier:"));
  policy = RetryPolicy();
  policy.max_backoff = absl::Milliseconds(10);
  EXPECT_THAT(std::string(ValidateRetryPolicy(policy).message()),
              ::testing::StartsWith("retry.max_backoff:"));
  policy = RetryPolicy();
  policy.jitter = 1.5;
  EXPECT_THAT(std::string(ValidateRetryPolicy(policy).message()),
              ::testing::StartsWith("retry.jitter:"));
}

TEST(IsRetryable, TransientCodesOnly) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("x")));
  EXPECT_TRUE(IsRetryable(absl::ResourceExhaustedError("x")));
  EXPECT_TRUE(IsRetryable(absl::AbortedError("x")));
  EXPECT_FALSE(IsRetryable(absl::DeadlineExceededError("x")));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("x")));
  EXPECT_FALSE(IsRetryable(absl::AlreadyExistsError("x")));
  EXPECT_FALSE(IsRetryable(absl::FailedPreconditionError("x")));
  EXPECT_FALSE(IsRetryable(absl::InternalError("x")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
}

TEST(ParsePushback, MillisecondsOrDoNotRetry) {
  bool do_not_retry = false;
  EXPECT_EQ(ParsePushback("250", &do_not_retry), absl::Milliseconds(250));
  EXPECT_EQ(ParsePushback("0", &do_not_retry), absl::ZeroDuration());
  EXPECT_FALSE(do_not_retry);
  for (const char* bad : {"-1", "soon", "", "1.5"}) {
    do_not_retry = false;
    EXPECT_EQ(ParsePushback(bad, &do_not_retry), std::nullopt) << bad;
    EXPECT_TRUE(do_not_retry) << bad;
  }
}

// A fake clock that advances only when the loop sleeps.
struct FakeEnv {
  absl::Time now = absl::FromUnixSeconds(1000);
  std::vector<absl::Duration> sleeps;
  RetryEnv env() {
    RetryEnv e;
    e.now = [this] { return now; };
    e.sleep = [this](absl::Duration d) {
      sleeps.push_back(d);
      now += d;
    };
    e.unit_random = [] { return 0.5; };
    return e;
  }
};

TEST(RetryLoop, RetriesUntilTheDeadlineWithTheBackoffSchedule) {
  FakeEnv fake;
  const absl::Time deadline = fake.now + absl::Seconds(10);
  int calls = 0;
  absl::Status status = RetryLoop(RetryPolicy(), deadline, fake.env(), [&] {
    ++calls;
    return absl::UnavailableError("down");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  // 0.1 + 0.2 + 0.4 + 0.8 + 1.6 + 2 + 2 + 2 = 9.1 s; one more 2 s wait
  // would pass the deadline.
  EXPECT_EQ(calls, 9);
  EXPECT_THAT(fake.sleeps, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                                       absl::Milliseconds(400), absl::Milliseconds(800),
                                       absl::Milliseconds(1600), absl::Seconds(2),
                                       absl::Seconds(2), absl::Seconds(2)));
  EXPECT_LE(fake.now, deadline);
}

TEST(RetryLoop, MaxAttemptsStillBoundsTheRetries) {
  FakeEnv fake;
  RetryPolicy policy;
  policy.max_attempts = 4;
  int calls = 0;
  (void)RetryLoop(policy, fake.now + absl::Seconds(10), fake.env(), [&] {
    ++calls;
    return absl::ResourceExhaustedError("busy");
  });
  EXPECT_EQ(calls, 4);
}

TEST(RetryLoop, WaitsAtLeastTheServersPushback) {
  FakeEnv fake;
  int calls = 0;
  absl::Status status =
      RetryLoop(RetryPolicy(), fake.now + absl::Seconds(10), fake.env(), [&] {
        if (++calls == 1) {
          return AttemptOutcome{absl::ResourceExhaustedError("busy"),
                                absl::Milliseconds(700)};
        }
        return AttemptOutcome{absl::OkStatus()};
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(fake.sleeps, ElementsAre(absl::Milliseconds(700)));
}

TEST(RetryLoop, APushbackShorterThanTheBackoffKeepsTheBackoff) {
  FakeEnv fake;
  int calls = 0;
  (void)RetryLoop(RetryPolicy(), fake.now + absl::Seconds(10), fake.env(), [&] {
    if (++calls == 1) {
      return AttemptOutcome{absl::ResourceExhaustedError("busy"),
                            absl::Milliseconds(10)};
    }
    return AttemptOutcome{absl::OkStatus()};
  });
  EXPECT_THAT(fake.sleeps, ElementsAre(absl::Milliseconds(100)));
}

TEST(RetryLoop, APushbackPastTheDeadlineEndsTheLoop) {
  FakeEnv fake;
  int calls = 0;
  absl::Status status =
      RetryLoop(RetryPolicy(), fake.now + absl::Seconds(2), fake.env(), [&] {
        ++calls;
        return AttemptOutcome{absl::ResourceExhaustedError("busy"), absl::Seconds(5)};
      });
  EXPECT_EQ(status, absl::ResourceExhaustedError("busy"));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(fake.sleeps.empty());
}

TEST(RetryLoop, DoNotRetryWinsOverARetryableCode) {
  FakeEnv fake;
  int calls = 0;
  (void)RetryLoop(RetryPolicy(), fake.now + absl::Seconds(10), fake.env(), [&] {
    ++calls;
    AttemptOutcome outcome{absl::ResourceExhaustedError("busy")};
    outcome.do_not_retry = true;
    return outcome;
  });
  EXPECT_EQ(calls, 1);
}

TEST(RetryLoop, StopsAtFirstSuccess) {
  FakeEnv fake;
  int calls = 0;
  absl::Status status = RetryLoop(
      RetryPolicy(), fake.now + absl::Seconds(10), fake.env(),
      [&] { return ++calls < 3 ? absl::UnavailableError("down") : absl::OkStatus(); });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 3);
}

TEST(RetryLoop, DoesNotRetryOtherErrors) {
  for (const absl::Status& error :
       {absl::InvalidArgumentError("snapshot.job_id: empty"),
        absl::AlreadyExistsError("another snapshot under that id"),
        absl::NotFoundError("no job"), absl::FailedPreconditionError("no history"),
        absl::InternalError("bug"), absl::DeadlineExceededError("late"),
        absl::UnauthenticatedError("who")}) {
    FakeEnv fake;
    int calls = 0;
    absl::Status status =
        RetryLoop(RetryPolicy(), fake.now + absl::Seconds(10), fake.env(), [&] {
          ++calls;
          return error;
        });
    EXPECT_EQ(status, error);
    EXPECT_EQ(calls, 1) << error;
    EXPECT_TRUE(fake.sleeps.empty());
  }
}

TEST(RetryLoop, GivesUpWhenTheBackoffWouldPassTheDeadline) {
  FakeEnv fake;
  int calls = 0;
  // 100 ms + 200 ms fit in 350 ms; the third wait (400 ms) does not.
  absl::Status status =
      RetryLoop(RetryPolicy(), fake.now + absl::Milliseconds(350), fake.env(), [&] {
        ++calls;
        return absl::UnavailableError("down");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 3);
}

TEST(RetryLoop, CallsOnceEvenPastTheDeadline) {
  FakeEnv fake;
  int calls = 0;
  absl::Status status =
      RetryLoop(RetryPolicy(), fake.now - absl::Seconds(1), fake.env(), [&] {
        ++calls;
        return absl::OkStatus();
      });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 1);
}

TEST(RetryLoop, SingleAttemptPolicyNeverRetries) {
  FakeEnv fake;
  RetryPolicy policy;
  policy.max_attempts = 1;
  int calls = 0;
  (void)RetryLoop(policy, fake.now + absl::Seconds(10), fake.env(), [&] {
    ++calls;
    return absl::UnavailableError("down");
  });
  EXPECT_EQ(calls, 1);
}

TEST(RetryCall, ReturnsTheValueOfTheSuccessfulAttempt) {
  FakeEnv fake;
  int calls = 0;
  absl::StatusOr<int> result =
      RetryCall<int>(RetryPolicy(), fake.now + absl::Seconds(10), fake.env(),
                     [&]() -> absl::StatusOr<int> {
                       if (++calls == 1) return absl::UnavailableError("down");
                       return 42;
                     });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
}

TEST(RealRetryEnv, RandomIsInUnitInterval) {
  const RetryEnv env = RealRetryEnv();
  for (int i = 0; i < 1000; ++i) {
    const double u = env.unit_random();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace streamtune
