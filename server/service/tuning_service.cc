#include "server/service/tuning_service.h"

#include <chrono>
#include <string>

#include "absl/time/time.h"
#include "common/status_macros.h"
#include "server/service/status_conversion.h"

namespace streamtune {
namespace {

// The tenant named in the call's metadata, or the default tenant.
std::string TenantOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kTenantMetadataKey);
  if (it == metadata.end()) return kDefaultTenant;
  return std::string(it->second.data(), it->second.size());
}

bool DeadlinePassed(const grpc::ServerContext& context) {
  return context.deadline() <= std::chrono::system_clock::now();
}

// The call's deadline for the core (InfiniteFuture when the client set none).
absl::Time DeadlineOf(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

// Runs one RPC: deadline check, core call, status conversion, metrics.
// `call(tenant)` returns absl::StatusOr<Response>.
template <typename Response, typename Call>
grpc::Status Serve(RpcMetrics* metrics, absl::string_view method,
                   grpc::ServerContext* context, Response* response, Call call) {
  ScopedRpc rpc(metrics, method);
  if (DeadlinePassed(*context)) {
    return rpc.Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   "deadline passed before the call started"));
  }
  auto result = call(TenantOf(*context));
  if (!result.ok()) return rpc.Finish(ToGrpcStatus(result.status(), context));
  *response = *std::move(result);
  return rpc.Finish(grpc::Status::OK);
}

}  // namespace

grpc::Status TuningService::Recommend(grpc::ServerContext* context,
                                      const v1::SnapshotRequest* request,
                                      v1::Recommendation* response) {
  grpc::Status status =
      Serve(metrics_, "Recommend", context, response, [&](const std::string& tenant) {
        return core_->Recommend(tenant, *request, DeadlineOf(*context));
      });
  if (status.ok()) {
    metrics_->RecordRecommendation(response->policy(), response->apply(),
                                   response->fallback());
  }
  return status;
}

grpc::Status TuningService::ReportSnapshot(grpc::ServerContext* context,
                                           const v1::SnapshotRequest* request,
                                           v1::ReportSnapshotResponse* response) {
  return Serve(metrics_, "ReportSnapshot", context, response,
               [&](const std::string& tenant) {
                 return core_->ReportSnapshot(tenant, *request);
               });
}

grpc::Status TuningService::GetJob(grpc::ServerContext* context,
                                   const v1::GetJobRequest* request,
                                   v1::Job* response) {
  return Serve(metrics_, "GetJob", context, response, [&](const std::string& tenant) {
    return core_->GetJob(tenant, *request);
  });
}

grpc::Status TuningService::ListJobs(grpc::ServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsResponse* response) {
  return Serve(metrics_, "ListJobs", context, response, [&](const std::string& tenant) {
    return core_->ListJobs(tenant, *request);
  });
}

grpc::Status TuningService::ListSnapshots(grpc::ServerContext* context,
                                          const v1::ListSnapshotsRequest* request,
                                          v1::ListSnapshotsResponse* response) {
  return Serve(metrics_, "ListSnapshots", context, response,
               [&](const std::string& tenant) {
                 return core_->ListSnapshots(tenant, *request);
               });
}

grpc::Status TuningService::ListRecommendations(
    grpc::ServerContext* context, const v1::ListRecommendationsRequest* request,
    v1::ListRecommendationsResponse* response) {
  return Serve(metrics_, "ListRecommendations", context, response,
               [&](const std::string& tenant) {
                 return core_->ListRecommendations(tenant, *request);
               });
}

grpc::Status AdminService::ListModels(grpc::ServerContext* context,
                                      const v1::ListModelsRequest* request,
                                      v1::ListModelsResponse* response) {
  return Serve(
      metrics_, "ListModels", context, response,
      [&](const std::string& tenant) { return core_->ListModels(tenant, *request); });
}

grpc::Status AdminService::GetModel(grpc::ServerContext* context,
                                    const v1::GetModelRequest* request,
                                    v1::Model* response) {
  return Serve(metrics_, "GetModel", context, response, [&](const std::string& tenant) {
    return core_->GetModel(tenant, *request);
  });
}

absl::Status AdminService::RequireOperations() const {
  if (operations_ != nullptr) return absl::OkStatus();
  return absl::UnimplementedError("this server runs no pre-training operations");
}

grpc::Status AdminService::Pretrain(grpc::ServerContext* context,
                                    const v1::PretrainRequest* request,
                                    v1::Operation* response) {
  return Serve(metrics_, "Pretrain", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Start(tenant, *request);
               });
}

grpc::Status AdminService::GetOperation(grpc::ServerContext* context,
                                        const v1::GetOperationRequest* request,
                                        v1::Operation* response) {
  return Serve(metrics_, "GetOperation", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Get(tenant, *request);
               });
}

grpc::Status AdminService::ListOperations(grpc::ServerContext* context,
                                          const v1::ListOperationsRequest* request,
                                          v1::ListOperationsResponse* response) {
  return Serve(
      metrics_, "ListOperations", context, response,
      [&](const std::string& tenant) -> absl::StatusOr<v1::ListOperationsResponse> {
        STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
        return operations_->List(tenant, *request);
      });
}

grpc::Status AdminService::CancelOperation(grpc::ServerContext* context,
                                           const v1::CancelOperationRequest* request,
                                           v1::Operation* response) {
  return Serve(metrics_, "CancelOperation", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Cancel(tenant, *request);
               });
}

grpc::Status AdminService::GetPretrainRun(grpc::ServerContext* context,
                                          const v1::GetPretrainRunRequest* request,
                                          v1::PretrainRun* response) {
  return Serve(metrics_, "GetPretrainRun", context, response,
               [&](const std::string& tenant) {
                 return core_->GetPretrainRun(tenant, *request);
               });
}

}  // namespace streamtune
