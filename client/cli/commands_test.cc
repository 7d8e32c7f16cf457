// Runs the whole CLI (RunCli) against a fake client: output, exit codes and
// error lines, without a server.
#include "client/cli/commands.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "client/cli/operation_progress.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace streamtune {
namespace cli {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kExamples = STREAMTUNE_CLIENT_EXAMPLES_DIR;

// A working in-memory stand-in for the server, with error knobs. Lists are
// served two items per page so the CLI must follow page tokens.
class FakeClient : public StreamTuneClient {
 public:
  absl::Status error;  // when set, every call fails with it
  HealthCheckResponse::ServingStatus health = HealthCheckResponse::SERVING;
  std::vector<v1::SnapshotRequest> recommended;
  std::vector<std::string> job_tokens;  // page tokens ListJobs received
  std::vector<v1::ListJobsRequest> job_requests;
  std::vector<v1::ListRecommendationsRequest> recommendation_requests;

  absl::StatusOr<v1::Recommendation> Recommend(
      const v1::SnapshotRequest& request) override {
    if (!error.ok()) return error;
    recommended.push_back(request);
    v1::Recommendation answer;
    answer.set_job_id(request.snapshot().job_id());
    answer.set_snapshot_id(request.snapshot().snapshot_id());
    answer.set_apply(true);
    answer.set_policy(request.policy().empty() ? "ds2" : request.policy());
    return answer;
  }
  absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      const v1::SnapshotRequest& request) override {
    if (!error.ok()) return error;
    v1::ReportSnapshotResponse response;
    response.set_stored(true);
    response.set_sequence(1);
    return response;
  }
  absl::StatusOr<v1::Job> GetJob(const v1::GetJobRequest& request) override {
    if (!error.ok()) return error;
    if (request.job_id() != "job-a") {
      return absl::NotFoundError("job_id: no job \"" + request.job_id() + "\"");
    }
    v1::Job job;
    job.set_job_id("job-a");
    job.set_snapshot_count(3);
    return job;
  }
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request) override {
    if (!error.ok()) return error;
    job_tokens.push_back(request.page_token());
    job_requests.push_back(request);
    const int start =
        request.page_token().empty() ? 0 : std::stoi(request.page_token());
    v1::ListJobsResponse response;
    for (int i = start; i < 5 && i < start + 2; ++i) {
      response.add_jobs()->set_job_id("job-" + std::to_string(i));
    }
    if (start + 2 < 5) response.set_next_page_token(std::to_string(start + 2));
    return response;
  }
  absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      const v1::ListSnapshotsRequest& request) override {
    if (!error.ok()) return error;
    v1::ListSnapshotsResponse response;
    const int first = request.page_token().empty() ? 1 : 3;
    for (int seq = first; seq < first + 2; ++seq) {
      response.add_snapshots()->set_sequence(seq);
    }
    if (first == 1) response.set_next_page_token("p2");
    return response;
  }
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const v1::ListRecommendationsRequest& request) override {
    if (!error.ok()) return error;
    recommendation_requests.push_back(request);
    v1::ListRecommendationsResponse response;
    if (request.job_id() != "job-r") return response;  // none yet
    // "job-r" has one per page, two pages (when a page size is set).
    response.add_recommendations()->set_snapshot_id(
        request.page_token().empty() ? "s1" : "s2");
    if (request.page_token().empty() && request.page_size() != 0) {
      response.set_next_page_token("p2");
    }
    return response;
  }
  absl::StatusOr<v1::ListModelsResponse> ListModels(
      const v1::ListModelsRequest& request) override {
    if (!error.ok()) return error;
    v1::ListModelsResponse response;
    response.add_models()->set_model_id("global");
    return response;
  }
  absl::StatusOr<v1::Model> GetModel(const v1::GetModelRequest& request) override {
    if (!error.ok()) return error;
    v1::Model model;
    model.set_model_id(request.model_id());
    model.set_version(request.version() == 0 ? 9 : request.version());
    return model;
  }
  // What StartPretrain answers first, then each GetOperation the next one
  // (the last repeats). Empty: StartPretrain is UNIMPLEMENTED.
  std::vector<v1::Operation> operation_states;
  size_t operation_reads = 0;
  std::vector<std::string> cancelled;

  absl::StatusOr<v1::Operation> StartPretrain(
      const v1::PretrainRequest& request) override {
    if (!error.ok()) return error;
    if (operation_states.empty()) {
      return absl::UnimplementedError("this server runs no pre-training operations");
    }
    operation_reads = 1;
    return operation_states[0];
  }
  absl::StatusOr<v1::Operation> GetOperation(
      const v1::GetOperationRequest& request) override {
    if (!error.ok()) return error;
    if (operation_states.empty() || request.name() != operation_states[0].name()) {
      return absl::NotFoundError("name: no operation \"" + request.name() + "\"");
    }
    const size_t at = std::min(operation_reads++, operation_states.size() - 1);
    return operation_states[at];
  }
  absl::StatusOr<v1::ListOperationsResponse> ListOperations(
      const v1::ListOperationsRequest& request) override {
    if (!error.ok()) return error;
    v1::ListOperationsResponse response;
    response.add_operations()->set_name(request.page_token().empty() ? "operations/b"
                                                                     : "operations/a");
    if (request.page_token().empty()) response.set_next_page_token("p2");
    return response;
  }
  absl::StatusOr<v1::Operation> CancelOperation(
      const v1::CancelOperationRequest& request) override {
    if (!error.ok()) return error;
    cancelled.push_back(request.name());
    v1::Operation operation;
    operation.set_name(request.name());
    operation.set_cancel_requested(true);
    return operation;
  }
  absl::StatusOr<v1::PretrainRun> GetPretrainRun(
      const v1::GetPretrainRunRequest&) override {
    if (!error.ok()) return error;
    return absl::NotFoundError("no pre-training run yet");
  }
  absl::StatusOr<HealthCheckResponse> CheckHealth(
      const HealthCheckRequest& request) override {
    if (!error.ok()) return error;
    HealthCheckResponse response;
    response.set_status(health);
    return response;
  }
  absl::Status WaitUntilServing(absl::Duration timeout) override {
    if (!error.ok()) return error;
    if (health == HealthCheckResponse::SERVING) return absl::OkStatus();
    return absl::DeadlineExceededError("not SERVING");
  }
};

// Runs the CLI; the fake survives the run so tests can inspect it.
struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  ClientOptions options;  // what the factory was given
};

class CliTest : public ::testing::Test {
 protected:
  // Runs `streamtunectl ARGS...` as main() would; every flag is back to its
  // default afterwards.
  CliRun Cli(std::vector<std::string> args) {
    absl::FlagSaver restore_flags;
    args.insert(args.begin(), "streamtunectl");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    CliRun run;
    std::ostringstream out, err;
    run.code = RunCli(
        static_cast<int>(argv.size()), argv.data(),
        [&](const ClientOptions& options)
            -> absl::StatusOr<std::unique_ptr<StreamTuneClient>> {
          run.options = options;
          absl::Status valid = options.tenant.empty()
                                   ? absl::OkStatus()
                                   : ValidateTenant(options.tenant, "tenant");
          if (!valid.ok()) return valid;
          return std::unique_ptr<StreamTuneClient>(new Forwarder(&fake_));
        },
        out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  // Hands the CLI a client it may own while the fixture keeps the fake.
  class Forwarder : public StreamTuneClient {
   public:
    explicit Forwarder(FakeClient* fake) : f_(fake) {}
#define STREAMTUNE_FORWARD(Method, Request, Response) \
  absl::StatusOr<Response> Method(const Request& r) override { return f_->Method(r); }
    STREAMTUNE_FORWARD(Recommend, v1::SnapshotRequest, v1::Recommendation)
    STREAMTUNE_FORWARD(ReportSnapshot, v1::SnapshotRequest, v1::ReportSnapshotResponse)
    STREAMTUNE_FORWARD(GetJob, v1::GetJobRequest, v1::Job)
    STREAMTUNE_FORWARD(ListJobs, v1::ListJobsRequest, v1::ListJobsResponse)
    STREAMTUNE_FORWARD(ListSnapshots, v1::ListSnapshotsRequest,
                       v1::ListSnapshotsResponse)
    STREAMTUNE_FORWARD(ListRecommendations, v1::ListRecommendationsRequest,
                       v1::ListRecommendationsResponse)
    STREAMTUNE_FORWARD(ListModels, v1::ListModelsRequest, v1::ListModelsResponse)
    STREAMTUNE_FORWARD(GetModel, v1::GetModelRequest, v1::Model)
    STREAMTUNE_FORWARD(StartPretrain, v1::PretrainRequest, v1::Operation)
    STREAMTUNE_FORWARD(GetOperation, v1::GetOperationRequest, v1::Operation)
    STREAMTUNE_FORWARD(ListOperations, v1::ListOperationsRequest,
                       v1::ListOperationsResponse)
    STREAMTUNE_FORWARD(CancelOperation, v1::CancelOperationRequest, v1::Operation)
    STREAMTUNE_FORWARD(GetPretrainRun, v1::GetPretrainRunRequest, v1::PretrainRun)
    STREAMTUNE_FORWARD(CheckHealth, HealthCheckRequest, HealthCheckResponse)
#undef STREAMTUNE_FORWARD
    absl::Status WaitUntilServing(absl::Duration timeout) override {
      return f_->WaitUntilServing(timeout);
    }

   private:
    FakeClient* f_;
  };

  FakeClient fake_;
};

TEST_F(CliTest, HealthPrintsServingAndExitsZero) {
  CliRun run = Cli({"--server=h:1", "health"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(run.out, "SERVING\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(CliTest, HealthNotServingExitsOne) {
  fake_.health = HealthCheckResponse::NOT_SERVING;
  CliRun run = Cli({"--server=h:1", "health"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.out, "NOT_SERVING\n");
  EXPECT_EQ(run.err, "streamtunectl: health: UNAVAILABLE: server is NOT_SERVING\n");
}

TEST_F(CliTest, HealthWaitFailsAfterTimeout) {
  fake_.health = HealthCheckResponse::NOT_SERVING;
  CliRun run = Cli({"--server=h:1", "health", "--wait=1s"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.err, "streamtunectl: health: DEADLINE_EXCEEDED: not SERVING\n");
}

TEST_F(CliTest, PassesGlobalFlagsToTheClient) {
  CliRun run = Cli({"--server=host:7", "--tenant=acme", "--timeout=3s", "health"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(run.options.target, "host:7");
  EXPECT_EQ(run.options.tenant, "acme");
  EXPECT_EQ(run.options.call_timeout, absl::Seconds(3));
}

TEST_F(CliTest, RecommendSendsTheExampleAndPrintsJson) {
  CliRun run = Cli({"--server=h:1", "recommend", "--snapshot",
                    kExamples + "/linear-chain-t60.json", "--policy=ds2"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  ASSERT_EQ(fake_.recommended.size(), 1u);
  EXPECT_EQ(fake_.recommended[0].policy(), "ds2");
  EXPECT_EQ(fake_.recommended[0].snapshot().operators_size(), 5);
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["job_id"], "linear-chain");
  EXPECT_EQ(json["snapshot_id"], "linear-chain-t60");
  EXPECT_EQ(json["apply"], true);
  EXPECT_THAT(run.out, StartsWith("{\n  \"job_id\": \"linear-chain\",\n"));
}

TEST_F(CliTest, ServerErrorIsOneLineOnStderr) {
  fake_.error =
      absl::InvalidArgumentError("snapshot.edges[3].to: unknown operator \"joinn\"");
  CliRun run = Cli({"--server=h:1", "recommend", "--snapshot",
                    kExamples + "/invalid-unknown-edge.json"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "streamtunectl: recommend: INVALID_ARGUMENT: "
            "snapshot.edges[3].to: unknown operator \"joinn\"\n");
}

TEST_F(CliTest, MissingSnapshotFileFailsWithoutCalling) {
  CliRun run = Cli({"--server=h:1", "report", "--snapshot", "/nonexistent.json"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.err,
            "streamtunectl: report: NOT_FOUND: /nonexistent.json: cannot "
            "read file\n");
}

TEST_F(CliTest, ReportPrintsTheAck) {
  CliRun run = Cli({"--server=h:1", "report", "--snapshot",
                    kExamples + "/wordcount-hotkey-t60.json"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["stored"], true);
  EXPECT_EQ(json["sequence"], "1");  // int64 is a string in the JSON mapping
}

TEST_F(CliTest, JobsPrintsOnePageWithItsToken) {
  CliRun run = Cli({"--server=h:1", "jobs", "--page_size=2"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["jobs"].size(), 2u);
  EXPECT_EQ(json["next_page_token"], "2");
}

TEST_F(CliTest, JobsAllFollowsPageTokens) {
  CliRun run = Cli({"--server=h:1", "jobs", "--all"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json["jobs"].size(), 5u);
  EXPECT_EQ(json["jobs"][4]["job_id"], "job-4");
  EXPECT_FALSE(json.contains("next_page_token"));
  EXPECT_THAT(fake_.job_tokens, ::testing::ElementsAre("", "2", "4"));
}

TEST_F(CliTest, JobsSendsTheTimeRange) {
  CliRun run = Cli({"--server=h:1", "jobs", "--start_time=2026-11-23T10:00:00Z",
                    "--end_time", "2026-11-23T11:00:00.5Z"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  ASSERT_EQ(fake_.job_requests.size(), 1u);
  const v1::ListJobsRequest& request = fake_.job_requests[0];
  EXPECT_EQ(request.start_time().seconds(), 1795428000);
  EXPECT_EQ(request.end_time().seconds(), 1795428000 + 3600);
  EXPECT_EQ(request.end_time().nanos(), 500000000);
}

TEST_F(CliTest, JobsWithoutRangeLeavesItUnset) {
  ASSERT_EQ(Cli({"--server=h:1", "jobs"}).code, kExitOk);
  ASSERT_EQ(fake_.job_requests.size(), 1u);
  EXPECT_FALSE(fake_.job_requests[0].has_start_time());
  EXPECT_FALSE(fake_.job_requests[0].has_end_time());
}

TEST_F(CliTest, RecommendationsListsOnePageOrAll) {
  CliRun one = Cli(
      {"--server=h:1", "recommendations", "job-r", "--page_size=1", "--start_time=1h"});
  ASSERT_EQ(one.code, kExitOk) << one.err;
  auto json = nlohmann::json::parse(one.out);
  EXPECT_EQ(json["recommendations"].size(), 1u);
  EXPECT_EQ(json["next_page_token"], "p2");
  ASSERT_EQ(fake_.recommendation_requests.size(), 1u);
  EXPECT_EQ(fake_.recommendation_requests[0].job_id(), "job-r");
  EXPECT_EQ(fake_.recommendation_requests[0].page_size(), 1);
  // "1h" is one hour before now.
  const int64_t start = fake_.recommendation_requests[0].start_time().seconds();
  EXPECT_NEAR(static_cast<double>(start), absl::ToUnixSeconds(absl::Now()) - 3600.0,
              60.0);
  EXPECT_FALSE(fake_.recommendation_requests[0].has_end_time());

  CliRun all =
      Cli({"--server=h:1", "recommendations", "job-r", "--page_size=1", "--all"});
  ASSERT_EQ(all.code, kExitOk) << all.err;
  json = nlohmann::json::parse(all.out);
  ASSERT_EQ(json["recommendations"].size(), 2u);
  EXPECT_EQ(json["recommendations"][1]["snapshot_id"], "s2");
}

TEST_F(CliTest, JobNotFoundExitsOne) {
  CliRun run = Cli({"--server=h:1", "job", "nope"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.err, "streamtunectl: job: NOT_FOUND: job_id: no job \"nope\"\n");
}

TEST_F(CliTest, HistoryMergesEveryPage) {
  CliRun run = Cli({"--server=h:1", "history", "job-a"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["job_id"], "job-a");
  ASSERT_EQ(json["snapshots"].size(), 4u);
  EXPECT_EQ(json["snapshots"][3]["sequence"], "4");
  EXPECT_TRUE(json["recommendations"].is_array());
  EXPECT_TRUE(json["recommendations"].empty());
}

TEST_F(CliTest, ModelsModelAndPretrain) {
  CliRun run = Cli({"--server=h:1", "models"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(nlohmann::json::parse(run.out)["models"][0]["model_id"], "global");
  run = Cli({"--server=h:1", "model", "global", "--version", "2"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(nlohmann::json::parse(run.out)["version"], "2");
  run = Cli({"--server=h:1", "pretrain", "--seed=1"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_THAT(run.err, StartsWith("streamtunectl: pretrain: UNIMPLEMENTED: "));
}

// A running operation in `phase` at done/total.
v1::Operation Running(const std::string& phase, int done, int total) {
  v1::Operation operation;
  operation.set_name("operations/p");
  operation.set_state(v1::RUNNING);
  operation.mutable_metadata()->set_description(phase);
  operation.mutable_metadata()->set_done(done);
  operation.mutable_metadata()->set_total(total);
  return operation;
}

TEST_F(CliTest, PretrainShowsALinePerPhaseAndPrintsTheModels) {
  v1::Operation done = Running("publishing", 3, 3);
  done.set_done(true);
  done.set_state(v1::SUCCEEDED);
  done.mutable_response()->add_models()->set_model_id("run-1.global");
  fake_.operation_states = {Running("reading history", 0, 0),
                            Running("training global (9 samples)", 5, 10),
                            Running("training global (9 samples)", 8, 10), done};
  CliRun run = Cli({"--server=h:1", "pretrain"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["models"][0]["model_id"], "run-1.global");
  // Not a terminal: one line per phase, then the outcome.
  EXPECT_EQ(run.err,
            "pretrain: reading history\n"
            "pretrain: training global (9 samples) [##########          ] 5/10 50%\n"
            "pretrain: SUCCEEDED (operations/p)\n");
}

TEST_F(CliTest, PretrainFailsWithTheOperationsError) {
  v1::Operation failed = Running("reading history", 0, 0);
  failed.set_done(true);
  failed.set_state(v1::FAILED);
  failed.mutable_error()->set_code(
      static_cast<int>(absl::StatusCode::kFailedPrecondition));
  failed.mutable_error()->set_message("no labelled history to learn from");
  fake_.operation_states = {Running("reading history", 0, 0), failed};
  CliRun run = Cli({"--server=h:1", "pretrain"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_THAT(run.err, HasSubstr("streamtunectl: pretrain: FAILED_PRECONDITION: no "
                                 "labelled history to learn from\n"));
}

TEST_F(CliTest, PretrainAsyncPrintsTheOperationAndReturns) {
  fake_.operation_states = {Running("queued", 0, 0)};
  CliRun run = Cli({"--server=h:1", "pretrain", "--async"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["name"], "operations/p");
  EXPECT_EQ(fake_.operation_reads, 1u);  // Never polled.
  EXPECT_EQ(run.err, "");
}

TEST_F(CliTest, OperationOperationsAndCancel) {
  fake_.operation_states = {Running("training", 1, 2)};
  CliRun run = Cli({"--server=h:1", "operation", "operations/p"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["metadata"]["description"], "training");
  run = Cli({"--server=h:1", "operation", "operations/x"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_THAT(run.err, StartsWith("streamtunectl: operation: NOT_FOUND: "));
  run = Cli({"--server=h:1", "operations"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["operations"].size(), 2u);
  run = Cli({"--server=h:1", "cancel", "operations/p"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["cancel_requested"], true);
  EXPECT_EQ(fake_.cancelled, std::vector<std::string>{"operations/p"});
  EXPECT_EQ(Cli({"--server=h:1", "cancel"}).code, kExitUsage);
  EXPECT_EQ(Cli({"--server=h:1", "operations", "--async"}).code, kExitUsage);
}

TEST(OperationProgress, OnATerminalRewritesTheLineAndKeepsOnePerPhase) {
  std::ostringstream err;
  OperationProgress progress(err, /*terminal=*/true);
  progress.Show(Running("clustering", 0, 1));
  progress.Show(Running("training cluster 1 of 2", 1, 4));
  v1::Operation halfway = Running("training cluster 1 of 2", 2, 4);
  halfway.mutable_metadata()->mutable_eta()->set_seconds(90);
  progress.Show(halfway);
  v1::Operation done = halfway;
  done.set_done(true);
  done.set_state(v1::CANCELLED);
  progress.Show(done);
  EXPECT_EQ(err.str(),
            "\r\033[Kpretrain: clustering [                    ] 0/1 0%\n"
            "\r\033[Kpretrain: training cluster 1 of 2 [#####               ] 1/4 25%"
            "\r\033[Kpretrain: training cluster 1 of 2 [##########          ] 2/4 50% "
            "ETA 1m30s\n"
            "pretrain: CANCELLED (operations/p)\n");
}

TEST_F(CliTest, UnreachableServerExitsOne) {
  fake_.error = absl::UnavailableError("failed to connect to all addresses");
  CliRun run = Cli({"--server=h:1", "jobs"});
  EXPECT_EQ(run.code, kExitFailure);
  EXPECT_EQ(run.err,
            "streamtunectl: jobs: UNAVAILABLE: failed to connect to all "
            "addresses\n");
}

TEST_F(CliTest, UsageErrorsExitTwoWithUsage) {
  CliRun run = Cli({"--server=h:1", "recommend"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, StartsWith("streamtunectl: recommend: missing --snapshot "
                                  "FILE.json\nusage: streamtunectl [GLOBAL FLAGS] "
                                  "recommend"));
  run = Cli({"--server=h:1", "frobnicate"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(run.err,
            "streamtunectl: unknown command \"frobnicate\"\n"
            "run 'streamtunectl --help' for usage\n");
  EXPECT_EQ(Cli({}).code, kExitUsage);
  EXPECT_EQ(Cli({"jobs"}).code, kExitUsage);  // no --server
  // Caught before absl::ParseCommandLine, which would exit 1.
  run = Cli({"--server=h:1", "jobs", "--bogus"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(run.err,
            "streamtunectl: unknown flag --bogus\n"
            "run 'streamtunectl --help' for usage\n");
  run = Cli({"--server=h:1", "model", "m", "--version=x"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, StartsWith("streamtunectl: --version: want an integer"));
}

TEST_F(CliTest, BadTenantIsAUsageError) {
  CliRun run = Cli({"--server=h:1", "--tenant=Not Valid", "jobs"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, StartsWith("streamtunectl: INVALID_ARGUMENT: tenant:"));
}

TEST_F(CliTest, HelpPrintsUsageAndExitsZero) {
  CliRun run = Cli({"help"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_THAT(run.out, StartsWith("usage: streamtunectl --server=HOST:PORT"));
  run = Cli({"help", "history"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_THAT(run.out, StartsWith("usage: streamtunectl [GLOBAL FLAGS] "
                                  "history JOB"));
  EXPECT_EQ(run.err, "");
}

}  // namespace
}  // namespace cli
}  // namespace streamtune
