#include "server/service/tuning_service.h"

#include <chrono>
#include <string>

#include "absl/time/time.h"
#include "common/status_macros.h"
#include "server/service/status_conversion.h"

namespace streamtune {
namespace {

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

// Runs one RPC: deadline check, caller check, call-rate quota, core call,
// status conversion, metrics. `call(tenant)` returns
// absl::StatusOr<Response>.
template <typename Response, typename Call>
grpc::Status Serve(const ServiceContext& service, Role required,
                   absl::string_view method, grpc::ServerContext* context,
                   Response* response, Call call) {
  ScopedRpc rpc(service.metrics, method);
  if (DeadlinePassed(*context)) {
    return rpc.Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   "deadline passed before the call started"));
  }
  absl::StatusOr<Principal> caller = service.identity->Authorize(*context, required);
  if (!caller.ok()) return rpc.Finish(ToGrpcStatus(caller.status(), method));
  if (service.rate_limiter != nullptr) {
    // RESOURCE_EXHAUSTED with the pushback trailer: when a token is due.
    const absl::Status admitted = service.rate_limiter->Admit(caller->tenant);
    if (!admitted.ok()) return rpc.Finish(ToGrpcStatus(admitted, context, method));
  }
  auto result = call(caller->tenant);
  if (!result.ok()) return rpc.Finish(ToGrpcStatus(result.status(), context, method));
  *response = *std::move(result);
  return rpc.Finish(grpc::Status::OK);
}

// Before the request is read: any valid credential (the method's own role
// is checked by Serve). Refusals are counted under the method.
grpc::Status Admit(const ServiceContext& service, const grpc::ServerContext& context,
                   absl::string_view method) {
  absl::StatusOr<Principal> caller =
      service.identity->Authorize(context, Role::kTenant);
  if (caller.ok() || absl::IsPermissionDenied(caller.status())) return grpc::Status::OK;
  ScopedRpc rpc(service.metrics, method);
  return rpc.Finish(ToGrpcStatus(caller.status(), method));
}

}  // namespace

grpc::Status TuningService::AdmitCaller(const grpc::ServerContext& context,
                                        absl::string_view method) const {
  return Admit(service_, context, method);
}

grpc::Status AdminService::AdmitCaller(const grpc::ServerContext& context,
                                       absl::string_view method) const {
  return Admit(service_, context, method);
}

TuningService::TuningService(ServiceContext service) : service_(service) {
  RpcMetrics* metrics = service.metrics;
  AnswerMalformedRequests(metrics, "Recommend", &TuningService::Recommend);
  AnswerMalformedRequests(metrics, "ReportSnapshot", &TuningService::ReportSnapshot);
  AnswerMalformedRequests(metrics, "GetJob", &TuningService::GetJob);
  AnswerMalformedRequests(metrics, "ListJobs", &TuningService::ListJobs);
  AnswerMalformedRequests(metrics, "ListSnapshots", &TuningService::ListSnapshots);
  AnswerMalformedRequests(metrics, "ListRecommendations",
                          &TuningService::ListRecommendations);
}

grpc::Status TuningService::Recommend(grpc::ServerContext* context,
                                      const v1::SnapshotRequest* request,
                                      v1::Recommendation* response) {
  grpc::Status status =
      Serve(service_, Role::kTenant, "Recommend", context, response,
            [&](const std::string& tenant) {
              return service_.core->Recommend(tenant, *request, DeadlineOf(*context));
            });
  if (status.ok()) {
    service_.metrics->RecordRecommendation(response->policy(), response->apply(),
                                           response->fallback());
  }
  return status;
}

grpc::Status TuningService::ReportSnapshot(grpc::ServerContext* context,
                                           const v1::SnapshotRequest* request,
                                           v1::ReportSnapshotResponse* response) {
  return Serve(service_, Role::kTenant, "ReportSnapshot", context, response,
               [&](const std::string& tenant) {
                 return service_.core->ReportSnapshot(tenant, *request);
               });
}

grpc::Status TuningService::GetJob(grpc::ServerContext* context,
                                   const v1::GetJobRequest* request,
                                   v1::Job* response) {
  return Serve(service_, Role::kTenant, "GetJob", context, response,
               [&](const std::string& tenant) {
                 return service_.core->GetJob(tenant, *request);
               });
}

grpc::Status TuningService::ListJobs(grpc::ServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsResponse* response) {
  return Serve(service_, Role::kTenant, "ListJobs", context, response,
               [&](const std::string& tenant) {
                 return service_.core->ListJobs(tenant, *request);
               });
}

grpc::Status TuningService::ListSnapshots(grpc::ServerContext* context,
                                          const v1::ListSnapshotsRequest* request,
                                          v1::ListSnapshotsResponse* response) {
  return Serve(service_, Role::kTenant, "ListSnapshots", context, response,
               [&](const std::string& tenant) {
                 return service_.core->ListSnapshots(tenant, *request);
               });
}

grpc::Status TuningService::ListRecommendations(
    grpc::ServerContext* context, const v1::ListRecommendationsRequest* request,
    v1::ListRecommendationsResponse* response) {
  return Serve(service_, Role::kTenant, "ListRecommendations", context, response,
               [&](const std::string& tenant) {
                 return service_.core->ListRecommendations(tenant, *request);
               });
}

AdminService::AdminService(ServiceContext service, PretrainOperations* operations)
    : service_(service), operations_(operations) {
  RpcMetrics* metrics = service.metrics;
  AnswerMalformedRequests(metrics, "ListModels", &AdminService::ListModels);
  AnswerMalformedRequests(metrics, "GetModel", &AdminService::GetModel);
  AnswerMalformedRequests(metrics, "Pretrain", &AdminService::Pretrain);
  AnswerMalformedRequests(metrics, "GetOperation", &AdminService::GetOperation);
  AnswerMalformedRequests(metrics, "ListOperations", &AdminService::ListOperations);
  AnswerMalformedRequests(metrics, "CancelOperation", &AdminService::CancelOperation);
  AnswerMalformedRequests(metrics, "GetPretrainRun", &AdminService::GetPretrainRun);
}

grpc::Status AdminService::ListModels(grpc::ServerContext* context,
                                      const v1::ListModelsRequest* request,
                                      v1::ListModelsResponse* response) {
  return Serve(service_, Role::kAdmin, "ListModels", context, response,
               [&](const std::string& tenant) {
                 return service_.core->ListModels(tenant, *request);
               });
}

grpc::Status AdminService::GetModel(grpc::ServerContext* context,
                                    const v1::GetModelRequest* request,
                                    v1::Model* response) {
  return Serve(service_, Role::kAdmin, "GetModel", context, response,
               [&](const std::string& tenant) {
                 return service_.core->GetModel(tenant, *request);
               });
}

absl::Status AdminService::RequireOperations() const {
  if (operations_ != nullptr) return absl::OkStatus();
  return absl::UnimplementedError("this server runs no pre-training operations");
}

grpc::Status AdminService::Pretrain(grpc::ServerContext* context,
                                    const v1::PretrainRequest* request,
                                    v1::Operation* response) {
  return Serve(service_, Role::kAdmin, "Pretrain", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Start(tenant, *request);
               });
}

grpc::Status AdminService::GetOperation(grpc::ServerContext* context,
                                        const v1::GetOperationRequest* request,
                                        v1::Operation* response) {
  return Serve(service_, Role::kAdmin, "GetOperation", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Get(tenant, *request);
               });
}

grpc::Status AdminService::ListOperations(grpc::ServerContext* context,
                                          const v1::ListOperationsRequest* request,
                                          v1::ListOperationsResponse* response) {
  return Serve(
      service_, Role::kAdmin, "ListOperations", context, response,
      [&](const std::string& tenant) -> absl::StatusOr<v1::ListOperationsResponse> {
        STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
        return operations_->List(tenant, *request);
      });
}

grpc::Status AdminService::CancelOperation(grpc::ServerContext* context,
                                           const v1::CancelOperationRequest* request,
                                           v1::Operation* response) {
  return Serve(service_, Role::kAdmin, "CancelOperation", context, response,
               [&](const std::string& tenant) -> absl::StatusOr<v1::Operation> {
                 STREAMTUNE_RETURN_IF_ERROR(RequireOperations());
                 return operations_->Cancel(tenant, *request);
               });
}

grpc::Status AdminService::GetPretrainRun(grpc::ServerContext* context,
                                          const v1::GetPretrainRunRequest* request,
                                          v1::PretrainRun* response) {
  return Serve(service_, Role::kAdmin, "GetPretrainRun", context, response,
               [&](const std::string& tenant) {
                 return service_.core->GetPretrainRun(tenant, *request);
               });
}

}  // namespace streamtune
