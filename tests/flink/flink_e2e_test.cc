// End to end with a real Flink: PostgreSQL (ctest fixture) + streamtuned +
// the harness's MiniCluster running the synthetic job at parallelism 1 with
// a bottleneck (the keyed aggregate) + streamtune-flink-agent. Assertions go
// through Flink's own REST API and the service's stored answers. One binary
// for every Flink line: ctest sets STREAMTUNE_FLINK_HARNESS_DIR (the harness
// built for the line) and STREAMTUNE_FLINK_LINE ("1.20", "2.3").
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/flink/flink_rest_client.h"
#include "client/local/server_process.h"
#include "client/streamtune_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/flink/flink_test_support.h"
#include "tests/test_database.h"

namespace streamtune {
namespace {

using testing::AgentProcess;
using testing::HarnessJob;
using testing::MetricValue;

constexpr char kTenant[] = "flink-e2e";
// The aggregate costs 1.2 ms of wall time per record (833 records/s per
// instance) and 1000 records/s arrive: at parallelism 1 it is the
// bottleneck; 2 instances carry the load.
const std::vector<std::string> kJobFlags = {
    "--job=synthetic", "--rate=0:1000", "--cost-us=aggregate:1200,parse:100",
    "--parallelism=1", "--slots=8",     "--checkpoint-ms=1000"};

// The environment variable `name`; FAILED_PRECONDITION when it is unset.
absl::StatusOr<std::string> FromEnvironment(const char* name) {
  const char* value = getenv(name);
  if (value == nullptr || *value == '\0') {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is not set (ctest sets it: run flink_e2e.<line>)"));
  }
  return std::string(value);
}

std::string* flink_line = nullptr;
std::string* startup_error = nullptr;
std::string* work_dir = nullptr;
local::ServerProcess* server = nullptr;
HarnessJob* harness = nullptr;
std::string* flink_harness_dir = nullptr;  // This line's built harness.

class FlinkE2eTest : public ::testing::Test {
 protected:
  // Errors are recorded and fail every test in SetUp (an assertion here
  // would turn the suite into SKIPPED).
  static void SetUpTestSuite() {
    absl::Status started = Start();
    if (!started.ok()) startup_error = new std::string(started.ToString());
  }

  static absl::Status Start() {
    absl::StatusOr<std::string> harness_dir =
        FromEnvironment("STREAMTUNE_FLINK_HARNESS_DIR");
    if (!harness_dir.ok()) return harness_dir.status();
    flink_harness_dir = new std::string(*harness_dir);
    absl::StatusOr<std::string> line = FromEnvironment("STREAMTUNE_FLINK_LINE");
    if (!line.ok()) return line.status();
    flink_line = new std::string(*line);
    char dir[] = "/tmp/streamtune-flink-e2e-XXXXXX";
    if (mkdtemp(dir) == nullptr) return absl::InternalError("mkdtemp failed");
    work_dir = new std::string(dir);
    absl::StatusOr<std::string> url = testing::TestDatabaseUrl();
    if (!url.ok()) return url.status();
    local::ServerProcessOptions options;
    options.binary = STREAMTUNE_SERVER_BINARY;
    options.database_url = *url;
    absl::StatusOr<std::unique_ptr<local::ServerProcess>> started =
        local::ServerProcess::Start(options);
    if (!started.ok()) return started.status();
    server = started->release();
    absl::StatusOr<HarnessJob> job = testing::StartHarness(
        STREAMTUNE_FLINK_RUN_HARNESS, *harness_dir, *work_dir, kJobFlags);
    if (!job.ok()) return job.status();
    harness = new HarnessJob(*std::move(job));
    return absl::OkStatus();
  }

  static void TearDownTestSuite() {
    delete harness;
    delete server;
    // Logs stay for a failed run; a passing one leaves nothing behind.
    if (work_dir != nullptr && !::testing::UnitTest::GetInstance()->Failed()) {
      std::filesystem::remove_all(*work_dir);
    }
  }

  void SetUp() override {
    ASSERT_EQ(startup_error, nullptr) << *startup_error;
    http_ = flink::MakeCurlHttpClient(absl::Seconds(5));
    rest_ = std::make_unique<flink::FlinkRestClient>(http_.get(), harness->rest_url);
    ClientOptions options;
    options.target = server->target();
    options.tenant = kTenant;
    auto client = StreamTuneClient::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    service_ = *std::move(client);
  }

  AgentProcess StartAgent(const std::string& name, std::vector<std::string> flags) {
    std::vector<std::string> all = {absl::StrCat("--server=", server->target()),
                                    absl::StrCat("--tenant=", kTenant),
                                    absl::StrCat("--flink_rest=", harness->rest_url),
                                    "--job=" + harness->job_id,
                                    "--decision_interval=6s",
                                    "--warmup=10s",
                                    "--max_parallelism=8",
                                    "--http_timeout=3s"};
    all.insert(all.end(), flags.begin(), flags.end());
    auto agent =
        testing::StartAgent(STREAMTUNE_FLINK_AGENT_BINARY, *work_dir, name, all);
    EXPECT_TRUE(agent.ok()) << agent.status();
    return agent.ok() ? *std::move(agent) : AgentProcess();
  }

  std::string Metrics(const AgentProcess& agent) {
    auto text = testing::HttpGetText(*http_, agent.metrics_url);
    return text.ok() ? *text : "";
  }

  std::map<std::string, int> FlinkParallelism() {
    auto job = rest_->GetJob(harness->job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    std::map<std::string, int> out;
    if (job.ok()) {
      for (const auto& v : job->vertices) out[v.id] = v.parallelism;
    }
    return out;
  }

  // The service's answers for the job, from `since` on.
  std::vector<v1::Recommendation> Recommendations(
      absl::Time since = absl::UnixEpoch()) {
    v1::ListRecommendationsRequest request;
    request.set_job_id("flink/" + harness->job_id);
    request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(since));
    request.set_page_size(1000);
    auto answer = service_->ListRecommendations(request);
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return {};
    return {answer->recommendations().begin(), answer->recommendations().end()};
  }

  std::unique_ptr<flink::HttpClient> http_;
  std::unique_ptr<flink::FlinkRestClient> rest_;
  std::unique_ptr<StreamTuneClient> service_;
};

// The harness really runs the line under test.
TEST_F(FlinkE2eTest, RunsTheFlinkLineUnderTest) {
  auto version = rest_->GetFlinkVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_TRUE(absl::StartsWith(*version, *flink_line + "."))
      << "Flink " << *version << ", expected " << *flink_line << ".x";
}

TEST_F(FlinkE2eTest, DryRunRecommendsAndAppliesNothing) {
  AgentProcess agent = StartAgent("dry-run-agent", {"--dry_run"});
  ASSERT_NE(agent.process, nullptr);
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (MetricValue(Metrics(agent), "streamtune_flink_decisions_total",
                     {{"outcome", "dry_run"}}) < 1) {
    ASSERT_LT(absl::Now(), deadline) << "no dry-run decision:\n"
                                     << agent.process->log();
    ASSERT_TRUE(testing::Running(*agent.process)) << agent.process->log();
    absl::SleepFor(absl::Milliseconds(500));  // Polling interval.
  }
  const std::string metrics = Metrics(agent);
  // The service recommended a change and the agent exported it ...
  EXPECT_GT(MetricValue(metrics, "streamtune_flink_vertex_recommended_parallelism",
                        {{"name", "aggregate"}}),
            1);
  bool recommended_change = false;
  for (const auto& r : Recommendations()) recommended_change |= r.apply();
  EXPECT_TRUE(recommended_change);
  // ... but Flink runs and is asked to run everything at 1.
  for (const auto& [vertex, p] : FlinkParallelism()) EXPECT_EQ(p, 1) << vertex;
  auto requirements = rest_->GetResourceRequirements(harness->job_id);
  ASSERT_TRUE(requirements.ok()) << requirements.status();
  for (const auto& [vertex, bounds] : *requirements)
    EXPECT_EQ(bounds.upper, 1) << vertex;
  EXPECT_EQ(MetricValue(metrics, "streamtune_flink_decisions_total",
                        {{"outcome", "applied"}}),
            0);
  // The agent read the cluster's version (it logs it at start).
  auto version = rest_->GetFlinkVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_THAT(agent.process->log(), ::testing::HasSubstr("runs Flink " + *version));
  auto stopped = agent.process->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << agent.process->log();
}

TEST_F(FlinkE2eTest, TunesTheBottleneckToWhatTheServiceRecommended) {
  const absl::Time start = absl::Now();
  AgentProcess agent = StartAgent("agent", {});
  ASSERT_NE(agent.process, nullptr);
  // Settled: a change was applied and a later decision kept the result.
  double applied = 0;
  double settled_after = -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(240);
  while (true) {
    const std::string metrics = Metrics(agent);
    const double now_applied = MetricValue(metrics, "streamtune_flink_decisions_total",
                                           {{"outcome", "applied"}});
    const double kept = MetricValue(metrics, "streamtune_flink_decisions_total",
                                    {{"outcome", "kept"}}) +
                        MetricValue(metrics, "streamtune_flink_decisions_total",
                                    {{"outcome", "unchanged"}});
    if (now_applied != applied || settled_after < 0) {
      applied = now_applied;
      settled_after = now_applied > 0 ? kept : -1;
    } else if (kept > settled_after) {
      break;
    }
    ASSERT_LT(absl::Now(), deadline) << "not settled:\n" << agent.process->log();
    ASSERT_TRUE(testing::Running(*agent.process)) << agent.process->log();
    absl::SleepFor(absl::Milliseconds(500));  // Polling interval.
  }

  // At most 3 reconfigurations, by the agent's count and by the service's
  // answers that asked for one.
  EXPECT_GE(applied, 1);
  EXPECT_LE(applied, 3);
  const std::vector<v1::Recommendation> answers = Recommendations(start);
  const v1::Recommendation* last_applied = nullptr;
  int changes = 0;
  for (const auto& r : answers) {
    bool changes_something = false;
    for (const auto& op : r.operators()) {
      changes_something |= op.recommended_parallelism() != op.current_parallelism();
    }
    if (!r.apply() || !changes_something) continue;
    ++changes;
    if (last_applied == nullptr ||
        r.created_at().seconds() > last_applied->created_at().seconds() ||
        (r.created_at().seconds() == last_applied->created_at().seconds() &&
         r.created_at().nanos() > last_applied->created_at().nanos())) {
      last_applied = &r;
    }
  }
  EXPECT_EQ(changes, applied)
      << "the service asked for a change the agent did not make";
  ASSERT_NE(last_applied, nullptr);

  // Flink runs exactly what the service last recommended ...
  const std::map<std::string, int> running = FlinkParallelism();
  ASSERT_EQ(running.size(), static_cast<size_t>(last_applied->operators_size()));
  for (const auto& op : last_applied->operators()) {
    EXPECT_EQ(running.at(op.operator_id()), op.recommended_parallelism())
        << op.operator_id();
  }
  // ... which removed the bottleneck: the aggregate runs wider, and no
  // vertex spends noticeable time backpressured over a 5 s window.
  auto job = rest_->GetJob(harness->job_id);
  ASSERT_TRUE(job.ok());
  for (const auto& v : job->vertices) {
    if (v.name == "aggregate") {
      EXPECT_GE(v.parallelism, 2);
    }
  }
  auto backpressure = testing::BackpressureOverWindow(*http_, *rest_, harness->job_id,
                                                      absl::Seconds(5));
  ASSERT_TRUE(backpressure.ok()) << backpressure.status();
  for (const auto& [vertex, ms_per_s] : *backpressure) {
    EXPECT_LT(ms_per_s, 100) << vertex << " is still backpressured";
  }
  auto stopped = agent.process->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << agent.process->log();
}

// The agent binary against Flink endpoints that fail: refused connections,
// garbage answers, answers that never come. Every failure is logged and
// counted, nothing is applied (no PUT ever reaches a server), and the agent
// keeps running until told to stop.
TEST_F(FlinkE2eTest, FailingFlinkIsLoggedCountedAndNothingIsApplied) {
  testing::MisbehavingServer garbage(testing::MisbehavingServer::Mode::kGarbage);
  testing::MisbehavingServer silent(testing::MisbehavingServer::Mode::kSilent);
  int refused_port = 0;
  {
    testing::MisbehavingServer closed(testing::MisbehavingServer::Mode::kGarbage);
    refused_port = closed.port();
  }  // Nothing listens there any more.
  struct Case {
    std::string name;
    int port;
    std::string job;
  };
  const std::vector<Case> cases = {{"garbage-agent", garbage.port(), "all"},
                                   {"silent-agent", silent.port(), harness->job_id},
                                   {"refused-agent", refused_port, harness->job_id}};
  std::vector<AgentProcess> agents;
  for (const Case& c : cases) {
    auto agent = testing::StartAgent(
        STREAMTUNE_FLINK_AGENT_BINARY, *work_dir, c.name,
        {absl::StrCat("--server=", server->target()),
         absl::StrCat("--flink_rest=http://127.0.0.1:", c.port), "--job=" + c.job,
         "--decision_interval=300ms", "--http_timeout=500ms"});
    ASSERT_TRUE(agent.ok()) << c.name << ": " << agent.status();
    agents.push_back(*std::move(agent));
  }
  for (size_t i = 0; i < agents.size(); ++i) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (MetricValue(Metrics(agents[i]), "streamtune_flink_errors_total") < 3) {
      ASSERT_LT(absl::Now(), deadline) << cases[i].name << ":\n"
                                       << agents[i].process->log();
      absl::SleepFor(absl::Milliseconds(200));  // Polling interval.
    }
    EXPECT_TRUE(testing::Running(*agents[i].process)) << cases[i].name;
    EXPECT_THAT(agents[i].process->log(), ::testing::HasSubstr("failed"));
    EXPECT_EQ(MetricValue(Metrics(agents[i]), "streamtune_flink_decisions_total"), 0);
  }
  for (auto* misbehaving : {&garbage, &silent}) {
    for (const std::string& request : misbehaving->requests()) {
      EXPECT_THAT(request, ::testing::StartsWith("GET ")) << request;
    }
  }
  EXPECT_FALSE(garbage.requests().empty());
  EXPECT_FALSE(silent.requests().empty());
  for (size_t i = 0; i < agents.size(); ++i) {
    auto stopped = agents[i].process->Stop(SIGTERM, absl::Seconds(10));
    ASSERT_TRUE(stopped.ok()) << cases[i].name << ": " << stopped.status();
    EXPECT_EQ(*stopped, 0) << agents[i].process->log();
  }
}

// A source that reports only a time lag (the harness's --source=time-lag:
// millisBehindLatest, no pendingRecords), overloaded like the main job: the
// agent's snapshots estimate its backlog from the lag and say so.
TEST_F(FlinkE2eTest, ASourceWithOnlyATimeLagGetsAnEstimatedBacklog) {
  std::vector<std::string> flags = kJobFlags;
  flags.push_back("--source=time-lag");
  flags.push_back("--job-name=time-lag");
  const std::string dir = *work_dir + "/time-lag";
  std::filesystem::create_directories(dir);
  absl::StatusOr<HarnessJob> lagging = testing::StartHarness(
      STREAMTUNE_FLINK_RUN_HARNESS, *flink_harness_dir, dir, flags);
  ASSERT_TRUE(lagging.ok()) << lagging.status();
  auto agent = testing::StartAgent(
      STREAMTUNE_FLINK_AGENT_BINARY, dir, "time-lag-agent",
      {absl::StrCat("--server=", server->target()), absl::StrCat("--tenant=", kTenant),
       absl::StrCat("--flink_rest=", lagging->rest_url), "--job=" + lagging->job_id,
       "--dry_run", "--decision_interval=4s", "--warmup=8s", "--http_timeout=3s"});
  ASSERT_TRUE(agent.ok()) << agent.status();

  v1::ListSnapshotsRequest request;
  request.set_job_id("flink/" + lagging->job_id);
  request.set_page_size(1000);
  // Overloaded (833 records/s of aggregate capacity for 1000 arriving), the
  // source falls further behind: wait for an estimate above 0.
  const v1::OperatorMetrics* source = nullptr;
  v1::ListSnapshotsResponse stored;
  const absl::Time deadline = absl::Now() + absl::Seconds(150);
  while (source == nullptr) {
    ASSERT_LT(absl::Now(), deadline) << "no estimated backlog:\n"
                                     << agent->process->log();
    ASSERT_TRUE(testing::Running(*agent->process)) << agent->process->log();
    absl::SleepFor(absl::Milliseconds(500));  // Polling interval.
    auto answer = service_->ListSnapshots(request);
    if (absl::IsNotFound(answer.status())) continue;  // No snapshot sent yet.
    ASSERT_TRUE(answer.ok()) << answer.status();
    stored = *std::move(answer);
    for (const v1::StoredSnapshot& s : stored.snapshots()) {
      ASSERT_GT(s.snapshot().operators_size(), 0);
      const v1::OperatorMetrics& m = s.snapshot().operators(0).metrics();
      // Never measured: the source has no pendingRecords.
      EXPECT_NE(m.backlog_signal(), v1::BACKLOG_SIGNAL_PENDING_RECORDS);
      if (m.backlog_signal() == v1::BACKLOG_SIGNAL_TIME_LAG_ESTIMATE &&
          m.pending_records() > 0) {
        source = &m;
      }
    }
  }
  EXPECT_EQ(stored.snapshots(0).snapshot().operators(0).name(), "Source: source");
  EXPECT_GT(source->time_lag_s(), 0);
  // The estimate is the lag times the read rate (the snapshot's own).
  EXPECT_NEAR(source->pending_records(),
              source->time_lag_s() * source->records_in_per_s(),
              1e-6 * source->pending_records());
  auto stopped = agent->process->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << agent->process->log();
}

}  // namespace
}  // namespace streamtune
