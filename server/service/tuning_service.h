// gRPC handlers of streamtune.v1.StreamTune and StreamTuneAdmin. Each handler
// does four things (TF Serving style): check the deadline and the caller
// (CallIdentity: the StreamTune service needs the tenant role, the admin
// service the admin role) and the caller's call rate (TenantRateLimiter),
// call TuningCore, convert the status, record metrics. No state of their
// own.
#ifndef STREAMTUNE_SERVER_SERVICE_TUNING_SERVICE_H_
#define STREAMTUNE_SERVER_SERVICE_TUNING_SERVICE_H_

#include "common/tenant.h"
#include "server/core/operations/pretrain_operations.h"
#include "server/core/quota/tenant_rate_limiter.h"
#include "server/core/tuning_core.h"
#include "server/service/call_identity.h"
#include "server/service/malformed_request_handler.h"
#include "server/service/rpc_metrics.h"
#include "streamtune/v1/admin.grpc.pb.h"
#include "streamtune/v1/service.grpc.pb.h"

namespace streamtune {

// What both services' handlers use; everything is borrowed and must outlive
// the services.
struct ServiceContext {
  TuningCore* core = nullptr;
  RpcMetrics* metrics = nullptr;
  const CallIdentity* identity = nullptr;
  // Calls per second per tenant, checked once the caller is known and
  // before the core runs; null: unlimited.
  TenantRateLimiter* rate_limiter = nullptr;
};

// Thread-safe. Requests that do not parse never reach a handler: they are
// answered INVALID_ARGUMENT (malformed_request_handler.h).
class TuningService final : public MalformedRequestAwareService<v1::StreamTune> {
 public:
  explicit TuningService(ServiceContext service);

  // Refuses a caller without a valid credential before its request is
  // read (MalformedRequestAwareService), so an unauthenticated client
  // cannot hold a worker thread by sending headers and no message.
  grpc::Status AdmitCaller(const grpc::ServerContext& context,
                           absl::string_view method) const;

  grpc::Status Recommend(grpc::ServerContext* context,
                         const v1::SnapshotRequest* request,
                         v1::Recommendation* response) override;
  grpc::Status ReportSnapshot(grpc::ServerContext* context,
                              const v1::SnapshotRequest* request,
                              v1::ReportSnapshotResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context,
                             const v1::ListSnapshotsRequest* request,
                             v1::ListSnapshotsResponse* response) override;
  grpc::Status ListRecommendations(grpc::ServerContext* context,
                                   const v1::ListRecommendationsRequest* request,
                                   v1::ListRecommendationsResponse* response) override;

 private:
  const ServiceContext service_;
};

// Thread-safe. Without `operations` (null; borrowed otherwise) Pretrain and
// the operation RPCs are UNIMPLEMENTED. Requests that do not parse are
// answered as TuningService's are.
class AdminService final : public MalformedRequestAwareService<v1::StreamTuneAdmin> {
 public:
  AdminService(ServiceContext service, PretrainOperations* operations = nullptr);

  // As TuningService::AdmitCaller.
  grpc::Status AdmitCaller(const grpc::ServerContext& context,
                           absl::string_view method) const;

  grpc::Status ListModels(grpc::ServerContext* context,
                          const v1::ListModelsRequest* request,
                          v1::ListModelsResponse* response) override;
  grpc::Status GetModel(grpc::ServerContext* context,
                        const v1::GetModelRequest* request,
                        v1::Model* response) override;
  grpc::Status Pretrain(grpc::ServerContext* context,
                        const v1::PretrainRequest* request,
                        v1::Operation* response) override;
  grpc::Status GetOperation(grpc::ServerContext* context,
                            const v1::GetOperationRequest* request,
                            v1::Operation* response) override;
  grpc::Status ListOperations(grpc::ServerContext* context,
                              const v1::ListOperationsRequest* request,
                              v1::ListOperationsResponse* response) override;
  grpc::Status CancelOperation(grpc::ServerContext* context,
                               const v1::CancelOperationRequest* request,
                               v1::Operation* response) override;
  grpc::Status GetPretrainRun(grpc::ServerContext* context,
                              const v1::GetPretrainRunRequest* request,
                              v1::PretrainRun* response) override;

 private:
  // UNIMPLEMENTED unless this server runs operations.
  absl::Status RequireOperations() const;

  const ServiceContext service_;
  PretrainOperations* operations_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_TUNING_SERVICE_H_
