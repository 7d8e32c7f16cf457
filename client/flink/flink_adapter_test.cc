#include "client/flink/flink_adapter.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/agent/agent_loop.h"
#include "client/flink/fake_flink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace streamtune::flink {
namespace {

using ::testing::HasSubstr;

class FlinkJobAdapterTest : public ::testing::Test {
 protected:
  FlinkJobAdapterTest() : rest_(&flink_, FakeFlink::kBaseUrl) {
    options_.job_id = FakeFlink::kJobId;
    options_.snapshot_job_id = "flink/job";
    options_.decision_interval = absl::Seconds(10);
    options_.warmup = absl::Seconds(30);
    options_.rescale_timeout = absl::Seconds(20);
    options_.poll_interval = absl::Seconds(1);
    options_.metrics_settle = absl::ZeroDuration();
    // Waiting is simulated: Flink's clock moves instead.
    options_.wait = [this](absl::Duration d) {
      waited_ += d;
      flink_.Advance(absl::ToDoubleSeconds(d));
      return true;
    };
    options_.now = [this] { return absl::FromUnixMillis(flink_.now_ms); };
  }

  // Runs decision points until one yields a snapshot.
  v1::Snapshot FirstSnapshot(FlinkJobAdapter& adapter) {
    for (int i = 0; i < 10; ++i) {
      auto more = adapter.AwaitDecisionPoint();
      EXPECT_TRUE(more.ok() && *more) << more.status();
      auto restarting = adapter.Restarting();
      EXPECT_TRUE(restarting.ok());
      if (*restarting) continue;
      auto snapshot = adapter.TakeSnapshot();
      EXPECT_TRUE(snapshot.ok()) << snapshot.status();
      return *snapshot;
    }
    ADD_FAILURE() << "no snapshot in 10 decision points";
    return v1::Snapshot();
  }

  int Puts() const {
    int puts = 0;
    for (const auto& r : flink_.requests) puts += absl::StartsWith(r, "PUT ");
    return puts;
  }

  FakeFlink flink_;
  FlinkRestClient rest_;
  FlinkAdapterOptions options_;
  absl::Duration waited_;
};

TEST_F(FlinkJobAdapterTest, FirstDecisionPointOnlyStartsAWindow) {
  FlinkJobAdapter adapter(&rest_, options_);
  ASSERT_TRUE(*adapter.AwaitDecisionPoint());
  EXPECT_EQ(waited_, absl::ZeroDuration());  // Not before the first point.
  EXPECT_TRUE(*adapter.Restarting());        // No window yet.
  ASSERT_TRUE(*adapter.AwaitDecisionPoint());
  EXPECT_EQ(waited_, absl::Seconds(10));
  EXPECT_FALSE(*adapter.Restarting());
  auto snapshot = adapter.TakeSnapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_DOUBLE_EQ(snapshot->window_s(), 10);
  ASSERT_EQ(snapshot->operators_size(), 4);
  // Rates over the window from counters, not the (halved) meters.
  EXPECT_NEAR(snapshot->operators(2).metrics().records_in_per_s(), 667, 1e-6);
  EXPECT_NEAR(snapshot->operators(0).metrics().records_in_per_s(), 667, 1e-6);
  EXPECT_DOUBLE_EQ(snapshot->operators(0).metrics().pending_records(), 12000);
  EXPECT_EQ(snapshot->operators(2).kind(), v1::OPERATOR_KIND_KEYED_AGGREGATE);
  EXPECT_EQ(snapshot->edges_size(), 3);
}

TEST_F(FlinkJobAdapterTest, RefreshesFlinksMetricsBeforeSampling) {
  options_.metrics_settle = absl::Seconds(1);
  FlinkJobAdapter adapter(&rest_, options_);
  ASSERT_TRUE(*adapter.AwaitDecisionPoint());
  EXPECT_EQ(waited_, absl::Seconds(1));
  ASSERT_GE(flink_.requests.size(), 3u);
  const std::string job = std::string("GET /jobs/") + FakeFlink::kJobId;
  EXPECT_EQ(flink_.requests[0], job);
  EXPECT_THAT(flink_.requests[1],
              HasSubstr("/subtasks/metrics?get=numRecordsIn&agg=sum"));
  EXPECT_EQ(flink_.requests[2], job);  // Sampling starts after the settle wait.
}

TEST_F(FlinkJobAdapterTest, SamplesAreTimedByTheCollectionThatServedThem) {
  // The first read of the job's clock comes from an older collection, so
  // the vertices' answers in between may mix two: they are read again.
  const std::string clock =
      absl::StrCat("GET /jobs/", FakeFlink::kJobId, "/metrics?get=runningTime,uptime");
  int clock_reads = 0;
  flink_.intercept =
      [&](const std::string& request) -> std::optional<absl::StatusOr<HttpResponse>> {
    if (request != clock) return std::nullopt;
    const int64_t running_ms = ++clock_reads == 1 ? 99'000 : 99'500;
    return HttpResponse{
        200, absl::StrCat(R"([{"id":"runningTime","value":")", running_ms, R"("}])")};
  };
  auto sample = rest_.Sample(FakeFlink::kJobId);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(clock_reads, 3);  // Before, after (different), after again.
  EXPECT_EQ(sample->metrics_at_ms, flink_.running_since_ms + 99'500);
}

TEST_F(FlinkJobAdapterTest, UntimedWhenFlinkDoesNotReportTheJobsRunningTime) {
  flink_.reports_running_time = false;
  auto sample = rest_.Sample(FakeFlink::kJobId);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_FALSE(sample->metrics_at_ms.has_value());
  int listings = 0;  // One pass over the vertices, no retries.
  for (const std::string& r : flink_.requests) {
    listings += absl::EndsWith(r, "/subtasks/metrics");
  }
  EXPECT_EQ(listings, 4);
}

TEST_F(FlinkJobAdapterTest, AClockAheadOfTheJobIsNotTrusted) {
  flink_.intercept =
      [&](const std::string& request) -> std::optional<absl::StatusOr<HttpResponse>> {
    if (!absl::StrContains(request, "/metrics?get=runningTime")) return std::nullopt;
    return HttpResponse{200, R"([{"id":"runningTime","value":"999999999"}])"};
  };
  auto sample = rest_.Sample(FakeFlink::kJobId);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_FALSE(sample->metrics_at_ms.has_value());
}

TEST_F(FlinkJobAdapterTest, WarmsUpAfterARestart) {
  flink_.running_since_ms = flink_.now_ms - 5000;  // Restarted 5 s ago.
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  EXPECT_GE(flink_.now_ms - flink_.running_since_ms, 30000);
}

TEST_F(FlinkJobAdapterTest, NoDecisionWhileAVertexIsNotRunning) {
  flink_.vertex(FakeFlink::kAggregate).status = "DEPLOYING";
  FlinkJobAdapter adapter(&rest_, options_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(*adapter.AwaitDecisionPoint());
    EXPECT_TRUE(*adapter.Restarting());
  }
}

TEST_F(FlinkJobAdapterTest, AppliesTheFullMapAndConfirmsTheRescale) {
  FlinkJobAdapter adapter(&rest_, options_);
  v1::Snapshot snapshot = FirstSnapshot(adapter);
  const int64_t run_before = flink_.running_since_ms;
  auto applied = adapter.Apply({1, 1, 3, 1});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(*applied);
  ASSERT_EQ(flink_.accepted_puts.size(), 1u);
  auto body = nlohmann::json::parse(flink_.accepted_puts[0]);
  EXPECT_EQ(body.size(), 4u);  // Every vertex named.
  EXPECT_EQ(body[FakeFlink::kAggregate]["parallelism"]["upperBound"], 3);
  EXPECT_EQ(body[FakeFlink::kAggregate]["parallelism"]["lowerBound"], 1);
  EXPECT_EQ(flink_.vertex(FakeFlink::kAggregate).parallelism, 3);
  EXPECT_NE(flink_.running_since_ms, run_before);
  // The next decision is a fresh run: no window yet.
  ASSERT_TRUE(*adapter.AwaitDecisionPoint());
  EXPECT_TRUE(*adapter.Restarting());
}

// Flink 2.x names the job's scheduler: "Adaptive" rescales in place, any
// other is refused before a PUT (1.20 does not say; the PUT is tried).
TEST_F(FlinkJobAdapterTest, NothingAppliedWhenFlinkSaysTheSchedulerIsNotAdaptive) {
  flink_.scheduler_type = "Default";
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  auto applied = adapter.Apply({1, 1, 2, 1});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(applied.status().message(), HasSubstr("jobmanager.scheduler: adaptive"));
  EXPECT_EQ(Puts(), 0);

  flink_.scheduler_type = "Adaptive";
  FlinkJobAdapter adaptive(&rest_, options_);
  FirstSnapshot(adaptive);
  auto rescaled = adaptive.Apply({1, 1, 2, 1});
  ASSERT_TRUE(rescaled.ok()) << rescaled.status();
  EXPECT_TRUE(*rescaled);
  EXPECT_EQ(flink_.vertex(FakeFlink::kAggregate).parallelism, 2);
}

TEST_F(FlinkJobAdapterTest, AnUnchangedVectorIsNoReconfiguration) {
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  auto applied = adapter.Apply({1, 1, 1, 1});
  ASSERT_TRUE(applied.ok());
  EXPECT_FALSE(*applied);
  EXPECT_EQ(Puts(), 0);
}

TEST_F(FlinkJobAdapterTest, RetriesConflictsWithBackoff) {
  flink_.conflicts_before_accept = 2;
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  const absl::Duration before = waited_;
  auto applied = adapter.Apply({1, 1, 2, 1});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(Puts(), 3);
  EXPECT_GE(waited_ - before, absl::Milliseconds(500 + 1000));
}

TEST_F(FlinkJobAdapterTest, GivesUpOnPersistentConflicts) {
  flink_.conflicts_before_accept = 100;
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  auto applied = adapter.Apply({1, 1, 2, 1});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Puts(), 5);  // 1 + conflict_retries.
  EXPECT_EQ(flink_.vertex(FakeFlink::kAggregate).parallelism, 1);
}

TEST_F(FlinkJobAdapterTest, NothingAppliedWhenTheJobRestartedSinceTheSnapshot) {
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  flink_.running_since_ms = flink_.now_ms;  // Restarted under us.
  auto applied = adapter.Apply({1, 1, 3, 1});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(applied.status().message(), HasSubstr("nothing applied"));
  EXPECT_EQ(Puts(), 0);
}

TEST_F(FlinkJobAdapterTest, NothingAppliedWhenTheJobStopsMidDecision) {
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  flink_.job_state = "CANCELLING";
  EXPECT_EQ(adapter.Apply({1, 1, 3, 1}).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Puts(), 0);
  flink_.job_state = "CANCELED";
  EXPECT_FALSE(*adapter.AwaitDecisionPoint());  // The loop ends.
}

TEST_F(FlinkJobAdapterTest, NothingAppliedOutsideTheBounds) {
  options_.max_parallelism_cap = 4;
  FlinkJobAdapter adapter(&rest_, options_);
  v1::Snapshot snapshot = FirstSnapshot(adapter);
  EXPECT_EQ(snapshot.operators(2).max_parallelism(), 4);
  EXPECT_EQ(adapter.Apply({1, 1, 5, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(adapter.Apply({1, 0, 2, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(adapter.Apply({1, 2}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Puts(), 0);
}

TEST_F(FlinkJobAdapterTest, ARejectedRequestCarriesFlinksMessage) {
  flink_.intercept =
      [](const std::string& request) -> std::optional<absl::StatusOr<HttpResponse>> {
    if (!absl::StartsWith(request, "PUT ")) return std::nullopt;
    return absl::StatusOr<HttpResponse>(HttpResponse{
        400,
        R"({"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: )"
        R"(The newly requested parallelism 3 exceeds 2.\n\tat X"]})"});
  };
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  auto applied = adapter.Apply({1, 1, 3, 1});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(applied.status().message(), HasSubstr("parallelism 3 exceeds 2."));
  EXPECT_THAT(applied.status().message(), testing::Not(HasSubstr("\tat")));
}

TEST_F(FlinkJobAdapterTest, AnUnconfirmedRescaleIsAnError) {
  flink_.polls_until_rescaled = 1000;  // Slots never come.
  FlinkJobAdapter adapter(&rest_, options_);
  FirstSnapshot(adapter);
  auto applied = adapter.Apply({1, 1, 3, 1});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(applied.status().message(), HasSubstr("not confirmed within 20s"));
}

TEST_F(FlinkJobAdapterTest, AGoneJobEndsTheLoop) {
  flink_.intercept =
      [](const std::string&) -> std::optional<absl::StatusOr<HttpResponse>> {
    return absl::StatusOr<HttpResponse>(
        HttpResponse{404, R"({"errors":["Job not found"]})"});
  };
  FlinkJobAdapter adapter(&rest_, options_);
  auto more = adapter.AwaitDecisionPoint();
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

// The loop against a Flink whose answers go bad in every way a cluster's
// do: every failure is reported to on_error, nothing is applied on them, and
// the loop keeps going until the job ends.
TEST_F(FlinkJobAdapterTest, TheLoopOutlivesBadAnswersAndAppliesNothingOnThem) {
  int job_polls = 0;
  flink_.intercept =
      [&](const std::string& request) -> std::optional<absl::StatusOr<HttpResponse>> {
    if (request != std::string("GET /jobs/") + FakeFlink::kJobId) {
      if (absl::StrContains(request, "get=")) {
        return absl::StatusOr<HttpResponse>(HttpResponse{200, "[{\"id\": broken"});
      }
      return std::nullopt;
    }
    switch (++job_polls) {
      case 1:
      case 2:
        return std::nullopt;  // The job answers; its metrics are garbage.
      case 3:
        return absl::StatusOr<HttpResponse>(
            absl::DeadlineExceededError("slow JobManager"));
      case 4:
        return absl::StatusOr<HttpResponse>(HttpResponse{503, "<html>busy</html>"});
      case 5:
        return absl::StatusOr<HttpResponse>(
            absl::UnavailableError("connection refused"));
      case 6:
        return absl::StatusOr<HttpResponse>(HttpResponse{200, "{\"jid\": 1}"});
      default:
        flink_.job_state = "FINISHED";
        return std::nullopt;
    }
  };
  FlinkJobAdapter adapter(&rest_, options_);
  std::vector<std::string> errors;
  agent::AgentLoopOptions loop_options;
  loop_options.on_error = [&](agent::AgentStep step, const absl::Status& error) {
    errors.push_back(absl::StrCat(agent::AgentStepName(step), " ",
                                  absl::StatusCodeToString(error.code())));
    return true;
  };
  int decisions = 0;
  agent::Decider always_rescale =
      [&](const v1::Snapshot&) -> absl::StatusOr<std::optional<std::vector<int>>> {
    ++decisions;
    return std::optional<std::vector<int>>({1, 1, 3, 1});
  };
  ASSERT_TRUE(agent::RunAgentLoop(adapter, always_rescale, loop_options).ok());
  // Six failed decision points (garbage metrics twice, timeout, 503,
  // refused, garbage job), then the job finished.
  EXPECT_EQ(errors.size(), 6u) << testing::PrintToString(errors);
  EXPECT_THAT(errors, testing::Each(HasSubstr("await")));
  EXPECT_EQ(decisions, 0);
  EXPECT_EQ(Puts(), 0);
}

}  // namespace
}  // namespace streamtune::flink
