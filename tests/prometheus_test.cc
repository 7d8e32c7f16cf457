// Metrics, for real (ctest label prometheus): a live streamtuned serves RPCs
// of every kind (the learned policy with fine-tuning and inference, a
// baseline, a bad request, listings, a dropped PostgreSQL connection), a real
// Prometheus (the Debian package, configured from deploy/prometheus/)
// scrapes it, and the test asks Prometheus' query API for every series the
// server exports and for every query of the Grafana dashboard
// (deploy/grafana/), which must be valid PromQL and return data.
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "client/history/history_generator.h"
#include "client/local/prometheus_process.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "common/proto_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "pqxx/pqxx"
#include "tests/test_database.h"

namespace streamtune {
namespace {

constexpr int kPoolSize = 3;

// Every `expr` of the dashboard's panels, with Grafana's variables replaced
// by what Prometheus understands.
std::vector<std::string> DashboardQueries(const nlohmann::json& dashboard) {
  std::vector<std::string> queries;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      queries.push_back(absl::StrReplaceAll(target.at("expr").get<std::string>(),
                                            {{"$__rate_interval", "30s"}}));
    }
  }
  return queries;
}

class PrometheusTest : public ::testing::Test {
 protected:
  // Failures are recorded and reported by SetUp: an assertion here would
  // turn the tests into skips.
  static void SetUpTestSuite() {
    absl::Status status = StartAndDriveTraffic();
    if (!status.ok()) startup_error_ = new std::string(status.ToString());
  }

  static void TearDownTestSuite() {
    delete prometheus_;
    delete server_;
    delete database_;
    delete startup_error_;
    prometheus_ = nullptr;
    server_ = nullptr;
    database_ = nullptr;
    startup_error_ = nullptr;
  }

  static absl::Status Check(const absl::Status& status, absl::string_view what) {
    if (status.ok()) return status;
    return absl::Status(status.code(), absl::StrCat(what, ": ", status.message(), "\n",
                                                    server_ ? server_->log() : ""));
  }

  static absl::Status StartAndDriveTraffic() {
    // A database of its own, so that dropping the server's connections
    // disturbs no other test.
    absl::StatusOr<std::unique_ptr<testing::ScratchDatabase>> database =
        testing::ScratchDatabase::Create("metrics");
    if (!database.ok()) return database.status();
    database_ = database->release();
    local::ServerProcessOptions options;
    options.binary = STREAMTUNE_SERVER_BINARY;
    options.database_url = database_->url();
    options.extra_args = {absl::StrCat("--db_pool_size=", kPoolSize)};
    absl::StatusOr<std::unique_ptr<local::ServerProcess>> server =
        local::ServerProcess::Start(options);
    if (!server.ok()) return server.status();
    server_ = server->release();

    ClientOptions client_options;
    client_options.target = server_->target();
    client_options.tenant = "metrics";
    client_options.call_timeout = absl::Minutes(5);
    absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
        StreamTuneClient::Create(client_options);
    if (!client.ok()) return client.status();
    StreamTuneClient& c = **client;
    if (absl::Status s = c.WaitUntilServing(absl::Seconds(30)); !s.ok())
      return Check(s, "health");

    // A small history and quick models, so that the learned policy runs
    // (inference) and fine-tunes a job's model.
    history::HistoryOptions history;
    history.jobs = 8;
    history.min_minutes = 10;
    history.max_minutes = 15;
    history.count_labels = false;
    history.concurrency = 2;
    if (absl::Status s = history::GenerateHistory(history, &c).status(); !s.ok()) {
      return Check(s, "history");
    }
    v1::PretrainRequest pretrain;
    pretrain.set_max_training_steps(10);
    if (absl::Status s = c.Pretrain(pretrain).status(); !s.ok())
      return Check(s, "Pretrain");

    // The next snapshot of a generated job, with the learned policy.
    v1::ListJobsRequest jobs_request;
    absl::StatusOr<v1::ListJobsResponse> jobs = c.ListJobs(jobs_request);
    if (!jobs.ok() || jobs->jobs().empty()) return Check(jobs.status(), "ListJobs");
    v1::ListSnapshotsRequest snapshots_request;
    snapshots_request.set_job_id(jobs->jobs(0).job_id());
    snapshots_request.set_page_size(1000);
    absl::StatusOr<v1::ListSnapshotsResponse> snapshots =
        c.ListSnapshots(snapshots_request);
    if (!snapshots.ok() || snapshots->snapshots().empty()) {
      return Check(snapshots.status(), "ListSnapshots");
    }
    v1::SnapshotRequest next;
    *next.mutable_snapshot() = snapshots->snapshots().rbegin()->snapshot();
    next.mutable_snapshot()->set_snapshot_id("metrics-next");
    next.mutable_snapshot()->mutable_observed_at()->set_seconds(
        next.snapshot().observed_at().seconds() + 60);
    next.mutable_snapshot()->set_seconds_since_restart(
        next.snapshot().seconds_since_restart() + 60);
    next.set_policy("streamtune");
    absl::StatusOr<v1::Recommendation> learned = c.Recommend(next);
    if (!learned.ok()) return Check(learned.status(), "Recommend streamtune");
    if (learned->fallback()) {
      return absl::InternalError(
          absl::StrCat("the learned policy fell back: ", learned->reason()));
    }

    // A baseline, a bad request, the dashboard queries.
    v1::SnapshotRequest example;
    if (absl::Status s =
            ParseJsonFile(STREAMTUNE_EXAMPLE_SNAPSHOT, example.mutable_snapshot());
        !s.ok()) {
      return s;
    }
    example.set_policy("ds2");
    if (absl::Status s = c.Recommend(example).status(); !s.ok())
      return Check(s, "Recommend ds2");
    v1::SnapshotRequest bad;
    if (c.Recommend(bad).status().code() != absl::StatusCode::kInvalidArgument) {
      return absl::InternalError("an empty request was not INVALID_ARGUMENT");
    }
    v1::ListRecommendationsRequest recommendations;
    recommendations.set_job_id(example.snapshot().job_id());
    recommendations.mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) -
                                                      3600);
    if (absl::Status s = c.ListRecommendations(recommendations).status(); !s.ok()) {
      return Check(s, "ListRecommendations");
    }

    // Drop the server's PostgreSQL connections: its next transaction finds a
    // dead connection (an error), reconnects and succeeds.
    try {
      absl::StatusOr<std::string> admin_url = testing::TestDatabaseUrl();
      pqxx::connection admin(*admin_url);
      pqxx::nontransaction(admin).exec_params(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
          " WHERE datname = $1 AND pid <> pg_backend_pid()",
          database_->name());
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("pg_terminate_backend: ", e.what()));
    }
    if (absl::Status s = c.ListJobs(jobs_request).status(); !s.ok()) {
      return Check(s, "ListJobs after the connections were dropped");
    }

    local::PrometheusOptions prometheus;
    prometheus.deploy_dir = STREAMTUNE_DEPLOY_DIR;
    prometheus.targets = {absl::StrCat("127.0.0.1:", server_->metrics_port())};
    absl::StatusOr<std::unique_ptr<local::PrometheusProcess>> started =
        local::PrometheusProcess::Start(prometheus);
    if (!started.ok()) return started.status();
    prometheus_ = started->release();
    return absl::OkStatus();
  }

  void SetUp() override { ASSERT_EQ(startup_error_, nullptr) << *startup_error_; }

  // Polls Prometheus until `expression` has a series whose value passes
  // `accept` (scrapes happen every second), for at most 30 s. Returns the
  // last result for the failure message.
  static ::testing::AssertionResult Eventually(
      const std::string& expression,
      const std::function<bool(double)>& accept = [](double) { return true; }) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    std::string last;
    while (absl::Now() < deadline) {
      absl::StatusOr<nlohmann::json> result = prometheus_->Query(expression);
      if (!result.ok()) return ::testing::AssertionFailure() << result.status();
      last = result->dump();
      for (const auto& series : *result) {
        const double value = std::stod(series.at("value").at(1).get<std::string>());
        if (accept(value)) return ::testing::AssertionSuccess();
      }
      absl::SleepFor(
          absl::Milliseconds(200));  // Polling interval, not a wait for an event.
    }
    return ::testing::AssertionFailure()
           << expression << " never matched; last: " << last << "\nPrometheus log:\n"
           << prometheus_->log();
  }

  static std::string* startup_error_;
  static testing::ScratchDatabase* database_;
  static local::ServerProcess* server_;
  static local::PrometheusProcess* prometheus_;
};

std::string* PrometheusTest::startup_error_ = nullptr;
testing::ScratchDatabase* PrometheusTest::database_ = nullptr;
local::ServerProcess* PrometheusTest::server_ = nullptr;
local::PrometheusProcess* PrometheusTest::prometheus_ = nullptr;

const auto kPositive = [](double v) { return v > 0; };

TEST_F(PrometheusTest, ScrapesTheServer) {
  EXPECT_TRUE(Eventually("up{job=\"streamtune\"}", [](double v) { return v == 1; }));
  EXPECT_TRUE(Eventually("streamtune_serving", [](double v) { return v == 1; }));
}

TEST_F(PrometheusTest, RpcCountsByStatusCodeAndLatencyHistograms) {
  EXPECT_TRUE(Eventually("streamtune_rpcs_total{method=\"Recommend\",code=\"OK\"}",
                         [](double v) { return v >= 2; }));
  EXPECT_TRUE(Eventually(
      "streamtune_rpcs_total{method=\"Recommend\",code=\"INVALID_ARGUMENT\"}",
      kPositive));
  EXPECT_TRUE(Eventually(
      "streamtune_rpcs_total{method=\"ListRecommendations\",code=\"OK\"}", kPositive));
  EXPECT_TRUE(Eventually(
      "streamtune_rpc_duration_seconds_bucket{method=\"Recommend\",le=\"+Inf\"}",
      kPositive));
  EXPECT_TRUE(Eventually("streamtune_rpc_duration_seconds_count{method=\"Pretrain\"}",
                         kPositive));
}

TEST_F(PrometheusTest, RecommendationsByPolicyAndFallback) {
  EXPECT_TRUE(Eventually(
      "streamtune_recommendations_total{policy=\"streamtune\",fallback=\"false\"}",
      kPositive));
  EXPECT_TRUE(
      Eventually("streamtune_recommendations_total{policy=\"ds2\",fallback=\"false\"}",
                 kPositive));
}

TEST_F(PrometheusTest, ModelCacheFineTuningAndInference) {
  EXPECT_TRUE(
      Eventually("streamtune_model_cache_lookups_total{result=\"miss\"}", kPositive));
  EXPECT_TRUE(Eventually("streamtune_model_cache_lookups_total{result=\"hit\"}"));
  EXPECT_TRUE(
      Eventually("streamtune_model_training_duration_seconds_count{purpose=\"fine_"
                 "tune\",outcome=\"ok\"}",
                 kPositive));
  EXPECT_TRUE(Eventually(
      "streamtune_model_inference_duration_seconds_count{outcome=\"ok\"}", kPositive));
}

TEST_F(PrometheusTest, PostgresLatencyErrorsAndPool) {
  EXPECT_TRUE(
      Eventually("streamtune_postgres_transaction_duration_seconds_count"
                 "{operation=\"PutSnapshotAndRecommendation\"}",
                 kPositive));
  EXPECT_TRUE(Eventually("sum(streamtune_postgres_errors_total{code=\"UNAVAILABLE\"})",
                         kPositive));
  EXPECT_TRUE(Eventually("streamtune_postgres_pool_connections{state=\"max\"}",
                         [](double v) { return v == kPoolSize; }));
  EXPECT_TRUE(
      Eventually("streamtune_postgres_pool_connections{state=\"idle\"}", kPositive));
  EXPECT_TRUE(Eventually("streamtune_postgres_pool_wait_seconds_count", kPositive));
}

TEST_F(PrometheusTest, EveryDashboardQueryReturnsData) {
  std::ifstream file(STREAMTUNE_DASHBOARD);
  const nlohmann::json dashboard = nlohmann::json::parse(file, nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded()) << STREAMTUNE_DASHBOARD;
  const std::vector<std::string> queries = DashboardQueries(dashboard);
  ASSERT_GE(queries.size(), 10u);
  for (const std::string& query : queries) EXPECT_TRUE(Eventually(query)) << query;
}

}  // namespace
}  // namespace streamtune
