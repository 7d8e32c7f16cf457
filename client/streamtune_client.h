// StreamTuneClient: the C++ client of the StreamTune and StreamTuneAdmin gRPC
// services and of grpc.health.v1. The interface is abstract so callers (the
// CLI, the agent loop) can be tested with a fake; Create() returns the gRPC
// implementation, which lives in the .cc so this header pulls in no gRPC.
#ifndef STREAMTUNE_CLIENT_STREAMTUNE_CLIENT_H_
#define STREAMTUNE_CLIENT_STREAMTUNE_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/retry.h"
#include "common/tenant.h"
#include "grpc/health/v1/health.pb.h"
#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// How StreamTuneClient::Pretrain and WaitForOperation wait for an operation.
struct OperationWait {
  // Longest wait for the operation to finish; DEADLINE_EXCEEDED after it
  // (the operation keeps running on the server).
  absl::Duration timeout = absl::Hours(1);
  // Pause between two GetOperation polls.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // Called with every state read, the first and the final one included
  // (progress displays); may be empty.
  std::function<void(const v1::Operation&)> on_poll;
  // Asked before every pause; when it returns true the wait ends with
  // CANCELLED (the operation keeps running on the server). May be empty.
  std::function<bool()> stop_requested;
};

// OK for an operation that succeeded or is still running; its error (code
// and message) when it failed or was cancelled.
absl::Status StatusOfOperation(const v1::Operation& operation);

struct ClientOptions {
  // Server address, "host:port" (any gRPC target string works).
  std::string target;
  // Sent as x-streamtune-tenant on every call; empty sends nothing. A
  // server with tokens takes the tenant from the token (and refuses a
  // header naming another); one running --insecure_local_only uses this,
  // or its default tenant. Else 1 to 64 characters of [a-z0-9_-].
  std::string tenant;
  // API token (st_...), sent as "authorization: Bearer <token>" on every
  // call; empty sends none (only an --insecure_local_only server accepts
  // that).
  std::string token;
  // TLS: PEM file of the CA(s) that signed the server's certificate; empty
  // connects in plaintext.
  std::string tls_ca_file;
  // Host name to check in the server's certificate instead of the
  // target's (e.g. when connecting through an IP address).
  std::string tls_server_name;
  // Client certificate and key (PEM) for a server that requires mutual TLS.
  std::string tls_client_cert_file;
  std::string tls_client_key_file;
  // Deadline of one method call, covering every retry and backoff in it:
  // an outage shorter than this (a PostgreSQL restart, a replica's death)
  // costs the caller latency, not an error.
  absl::Duration call_timeout = absl::Seconds(10);
  // Retries UNAVAILABLE, RESOURCE_EXHAUSTED and ABORTED with jittered
  // exponential backoff until call_timeout, waiting at least the server's
  // `grpc-retry-pushback-ms`; every StreamTune RPC is idempotent (Recommend
  // and ReportSnapshot on the snapshot id). Pretrain, which starts a new
  // operation each time, is not retried on RESOURCE_EXHAUSTED without
  // pushback (the replica already runs one).
  RetryPolicy retry;
};

// Every method returns the server's answer, or the gRPC status of the last
// attempt converted to absl::Status with the same code and message (e.g.
// INVALID_ARGUMENT `snapshot.edges[3].to: unknown operator "joinn"`).
// Implementations are thread-safe: one client may serve many threads.
class StreamTuneClient {
 public:
  // Validates `options` (INVALID_ARGUMENT naming the bad field) and creates a
  // client. Connects lazily: an unreachable server shows up as UNAVAILABLE
  // on the first call, not here.
  static absl::StatusOr<std::unique_ptr<StreamTuneClient>> Create(
      const ClientOptions& options);

  virtual ~StreamTuneClient() = default;

  // streamtune.v1.StreamTune
  virtual absl::StatusOr<v1::Recommendation> Recommend(
      const v1::SnapshotRequest& request) = 0;
  virtual absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      const v1::SnapshotRequest& request) = 0;
  virtual absl::StatusOr<v1::Job> GetJob(const v1::GetJobRequest& request) = 0;
  virtual absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request) = 0;
  virtual absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      const v1::ListSnapshotsRequest& request) = 0;
  virtual absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const v1::ListRecommendationsRequest& request) = 0;

  // streamtune.v1.StreamTuneAdmin
  virtual absl::StatusOr<v1::ListModelsResponse> ListModels(
      const v1::ListModelsRequest& request) = 0;
  virtual absl::StatusOr<v1::Model> GetModel(const v1::GetModelRequest& request) = 0;
  virtual absl::StatusOr<v1::PretrainRun> GetPretrainRun(
      const v1::GetPretrainRunRequest& request) = 0;
  // The Pretrain RPC: starts pre-training and returns its operation at once.
  virtual absl::StatusOr<v1::Operation> StartPretrain(
      const v1::PretrainRequest& request) = 0;
  virtual absl::StatusOr<v1::Operation> GetOperation(
      const v1::GetOperationRequest& request) = 0;
  virtual absl::StatusOr<v1::ListOperationsResponse> ListOperations(
      const v1::ListOperationsRequest& request) = 0;
  virtual absl::StatusOr<v1::Operation> CancelOperation(
      const v1::CancelOperationRequest& request) = 0;

  // Polls GetOperation every wait.poll_interval until the operation is done
  // and returns it, whatever its state; DEADLINE_EXCEEDED after
  // wait.timeout. A failed poll ends the wait with its error.
  absl::StatusOr<v1::Operation> WaitForOperation(const std::string& name,
                                                 const OperationWait& wait = {});
  // Pre-training from start to end: StartPretrain, then WaitForOperation.
  // The published models, or the operation's error as a status (e.g.
  // FAILED_PRECONDITION without labelled history, CANCELLED).
  absl::StatusOr<v1::PretrainResponse> Pretrain(const v1::PretrainRequest& request,
                                                const OperationWait& wait = {});

  // grpc.health.v1.Health/Check. An empty `service` asks about the server.
  virtual absl::StatusOr<::grpc::health::v1::HealthCheckResponse> CheckHealth(
      const ::grpc::health::v1::HealthCheckRequest& request) = 0;

  // Polls the server's overall health until it reports SERVING. OK once it
  // does; DEADLINE_EXCEEDED after `timeout`, with the last answer or error
  // in the message. Each poll is bounded by the time left, not retried.
  virtual absl::Status WaitUntilServing(absl::Duration timeout) = 0;
};

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_STREAMTUNE_CLIENT_H_
