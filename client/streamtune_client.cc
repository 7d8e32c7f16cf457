#include "client/streamtune_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/grpc_status.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "streamtune/v1/admin.grpc.pb.h"
#include "streamtune/v1/service.grpc.pb.h"

namespace streamtune {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// gRPC's name for the server's pushback: milliseconds to wait before the next
// attempt (negative or malformed: do not retry).
constexpr char kRetryPushbackMetadataKey[] = "grpc-retry-pushback-ms";

// gRPC's own RESOURCE_EXHAUSTED for a message over the size limit: the same
// request fails the same way every time.
bool IsMessageSizeLimit(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
         absl::StrContains(status.error_message(), "message larger than max");
}

// Pause between health polls in WaitUntilServing.
constexpr absl::Duration kHealthPollInterval = absl::Milliseconds(100);

// The gRPC implementation. Stubs and channels are thread-safe and the
// options never change after construction, so this class is thread-safe.
class GrpcStreamTuneClient : public StreamTuneClient {
 public:
  GrpcStreamTuneClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
      : options_(std::move(options)),
        env_(RealRetryEnv()),
        channel_(std::move(channel)),
        tune_(v1::StreamTune::NewStub(channel_)),
        admin_(v1::StreamTuneAdmin::NewStub(channel_)),
        health_(Health::NewStub(channel_)) {}

  absl::StatusOr<v1::Recommendation> Recommend(
      const v1::SnapshotRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::Recommend, request);
  }
  absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      const v1::SnapshotRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::ReportSnapshot, request);
  }
  absl::StatusOr<v1::Job> GetJob(const v1::GetJobRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::GetJob, request);
  }
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::ListJobs, request);
  }
  absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      const v1::ListSnapshotsRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::ListSnapshots, request);
  }
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const v1::ListRecommendationsRequest& request) override {
    return Call(tune_.get(), &v1::StreamTune::Stub::ListRecommendations, request);
  }
  absl::StatusOr<v1::ListModelsResponse> ListModels(
      const v1::ListModelsRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::ListModels, request);
  }
  absl::StatusOr<v1::Model> GetModel(const v1::GetModelRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::GetModel, request);
  }
  absl::StatusOr<v1::Operation> StartPretrain(
      const v1::PretrainRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::Pretrain, request,
                /*starts_operation=*/true);
  }
  absl::StatusOr<v1::Operation> GetOperation(
      const v1::GetOperationRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::GetOperation, request);
  }
  absl::StatusOr<v1::ListOperationsResponse> ListOperations(
      const v1::ListOperationsRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::ListOperations, request);
  }
  absl::StatusOr<v1::Operation> CancelOperation(
      const v1::CancelOperationRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::CancelOperation, request);
  }
  absl::StatusOr<v1::PretrainRun> GetPretrainRun(
      const v1::GetPretrainRunRequest& request) override {
    return Call(admin_.get(), &v1::StreamTuneAdmin::Stub::GetPretrainRun, request);
  }
  absl::StatusOr<HealthCheckResponse> CheckHealth(
      const HealthCheckRequest& request) override {
    return Call(health_.get(), &Health::Stub::Check, request);
  }

  absl::Status WaitUntilServing(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    std::string last = "no answer yet";
    bool have_answer = false;
    while (true) {
      HealthCheckResponse response;
      absl::Status status =
          Once(health_.get(), &Health::Stub::Check, HealthCheckRequest(),
               std::min(deadline, absl::Now() + options_.call_timeout), &response);
      if (status.ok()) {
        if (response.status() == HealthCheckResponse::SERVING) {
          return absl::OkStatus();
        }
        last = HealthCheckResponse::ServingStatus_Name(response.status());
      } else if (status.code() != absl::StatusCode::kDeadlineExceeded || !have_answer) {
        // A poll cut short by our own deadline says less than the answer
        // before it, so it only counts when there is nothing else.
        last = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                            status.message());
      }
      have_answer = true;
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      absl::SleepFor(std::min(left, kHealthPollInterval));
    }
    return absl::DeadlineExceededError(
        absl::StrCat(options_.target, " not SERVING within ",
                     absl::FormatDuration(timeout), "; last: ", last));
  }

 private:
  // One attempt of a unary call with `deadline` and the tenant metadata.
  template <typename Stub, typename Request, typename Response>
  absl::Status Once(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                 Response*),
                    const Request& request, absl::Time deadline, Response* response) {
    return Attempt(stub, method, request, deadline, response).status;
  }

  // Once, with what the retry loop needs to know besides the status.
  template <typename Stub, typename Request, typename Response>
  AttemptOutcome Attempt(Stub* stub,
                         grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                      const Request&, Response*),
                         const Request& request, absl::Time deadline,
                         Response* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    if (!options_.tenant.empty()) {
      context.AddMetadata(kTenantMetadataKey, options_.tenant);
    }
    if (!options_.token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    }
    response->Clear();
    const grpc::Status status = (stub->*method)(&context, request, response);
    AttemptOutcome outcome{FromGrpcStatus(status)};
    if (status.ok()) return outcome;
    const auto& trailers = context.GetServerTrailingMetadata();
    auto pushback = trailers.find(kRetryPushbackMetadataKey);
    if (pushback != trailers.end()) {
      outcome.pushback =
          ParsePushback(std::string(pushback->second.data(), pushback->second.size()),
                        &outcome.do_not_retry);
    }
    if (IsMessageSizeLimit(status)) outcome.do_not_retry = true;
    return outcome;
  }

  // A unary call with retries; one deadline covers all attempts. A call that
  // starts an operation (Pretrain) is not retried on RESOURCE_EXHAUSTED
  // without pushback: that means the replica already runs one, which
  // minutes, not a backoff, will change.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                             const Request&, Response*),
                                const Request& request, bool starts_operation = false) {
    const absl::Time deadline = absl::Now() + options_.call_timeout;
    Response response;
    absl::Status status = RetryLoop(options_.retry, deadline, env_, [&]() {
      AttemptOutcome outcome = Attempt(stub, method, request, deadline, &response);
      if (starts_operation && absl::IsResourceExhausted(outcome.status) &&
          !outcome.pushback.has_value()) {
        outcome.do_not_retry = true;
      }
      return outcome;
    });
    if (!status.ok()) return status;
    return response;
  }

  const ClientOptions options_;
  const RetryEnv env_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::StreamTune::Stub> tune_;
  std::unique_ptr<v1::StreamTuneAdmin::Stub> admin_;
  std::unique_ptr<Health::Stub> health_;
};

// The channel `options` ask for: TLS when a CA file is named.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  if (options.tls_ca_file.empty()) {
    if (!options.tls_client_cert_file.empty() || !options.tls_server_name.empty()) {
      return absl::InvalidArgumentError(
          "tls_ca_file: required with tls_client_cert_file or tls_server_name");
    }
    return grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions ssl;
  STREAMTUNE_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                              ReadWholeFile("tls_ca_file", options.tls_ca_file));
  if (options.tls_client_cert_file.empty() != options.tls_client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_client_cert_file and tls_client_key_file: give both or neither");
  }
  if (!options.tls_client_cert_file.empty()) {
    STREAMTUNE_ASSIGN_OR_RETURN(
        ssl.pem_cert_chain,
        ReadWholeFile("tls_client_cert_file", options.tls_client_cert_file));
    STREAMTUNE_ASSIGN_OR_RETURN(
        ssl.pem_private_key,
        ReadWholeFile("tls_client_key_file", options.tls_client_key_file));
  }
  grpc::ChannelArguments arguments;
  if (!options.tls_server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl),
                                   arguments);
}

}  // namespace

absl::Status StatusOfOperation(const v1::Operation& operation) {
  if (!operation.has_error() || operation.error().code() == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(operation.error().code()),
                      operation.error().message());
}

absl::StatusOr<v1::Operation> StreamTuneClient::WaitForOperation(
    const std::string& name, const OperationWait& wait) {
  const absl::Time deadline = absl::Now() + wait.timeout;
  v1::GetOperationRequest request;
  request.set_name(name);
  while (true) {
    absl::StatusOr<v1::Operation> operation = GetOperation(request);
    if (!operation.ok()) return operation.status();
    if (wait.on_poll) wait.on_poll(*operation);
    if (operation->done()) return operation;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(name, " not done within ", absl::FormatDuration(wait.timeout),
                       "; it keeps running (streamtunectl operation ", name, ")"));
    }
    if (wait.stop_requested && wait.stop_requested()) {
      return absl::CancelledError(
          absl::StrCat("stopped waiting for ", name,
                       "; it keeps running (streamtunectl operation ", name, ")"));
    }
    absl::SleepFor(std::min(left, wait.poll_interval));
  }
}

absl::StatusOr<v1::PretrainResponse> StreamTuneClient::Pretrain(
    const v1::PretrainRequest& request, const OperationWait& wait) {
  absl::StatusOr<v1::Operation> operation = StartPretrain(request);
  if (!operation.ok()) return operation.status();
  if (wait.on_poll) wait.on_poll(*operation);
  if (!operation->done()) {
    operation = WaitForOperation(operation->name(), wait);
    if (!operation.ok()) return operation.status();
  }
  absl::Status status = StatusOfOperation(*operation);
  if (!status.ok()) return status;
  return operation->response();
}

absl::StatusOr<std::unique_ptr<StreamTuneClient>> StreamTuneClient::Create(
    const ClientOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("target: must be host:port, got \"\"");
  }
  absl::Status status = options.tenant.empty()
                            ? absl::OkStatus()
                            : ValidateTenant(options.tenant, "tenant");
  if (!status.ok()) return status;
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "call_timeout: must be > 0, got ", absl::FormatDuration(options.call_timeout)));
  }
  status = ValidateRetryPolicy(options.retry);
  if (!status.ok()) return status;
  STREAMTUNE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                              MakeChannel(options));
  return std::unique_ptr<StreamTuneClient>(
      new GrpcStreamTuneClient(options, std::move(channel)));
}

}  // namespace streamtune
