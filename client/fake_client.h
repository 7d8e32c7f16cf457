// FakeStreamTuneClient (tests only): a working StreamTuneClient whose
// Recommend is a settable function and which records every request; every
// other call answers UNIMPLEMENTED. Not thread-safe.
#ifndef STREAMTUNE_CLIENT_FAKE_CLIENT_H_
#define STREAMTUNE_CLIENT_FAKE_CLIENT_H_

#include <functional>
#include <vector>

#include "client/streamtune_client.h"

namespace streamtune {

class FakeStreamTuneClient : public StreamTuneClient {
 public:
  std::function<absl::StatusOr<v1::Recommendation>(const v1::SnapshotRequest&)>
      recommend;
  std::vector<v1::SnapshotRequest> recommend_requests;

  absl::StatusOr<v1::Recommendation> Recommend(
      const v1::SnapshotRequest& request) override {
    recommend_requests.push_back(request);
    if (!recommend) return Unimplemented();
    return recommend(request);
  }
  absl::StatusOr<v1::ReportSnapshotResponse> ReportSnapshot(
      const v1::SnapshotRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::Job> GetJob(const v1::GetJobRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::ListJobsResponse> ListJobs(const v1::ListJobsRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::ListSnapshotsResponse> ListSnapshots(
      const v1::ListSnapshotsRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const v1::ListRecommendationsRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::ListModelsResponse> ListModels(
      const v1::ListModelsRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::Model> GetModel(const v1::GetModelRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::Operation> StartPretrain(const v1::PretrainRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::Operation> GetOperation(const v1::GetOperationRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::ListOperationsResponse> ListOperations(
      const v1::ListOperationsRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::Operation> CancelOperation(
      const v1::CancelOperationRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<v1::PretrainRun> GetPretrainRun(
      const v1::GetPretrainRunRequest&) override {
    return Unimplemented();
  }
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse> CheckHealth(
      const ::grpc::health::v1::HealthCheckRequest&) override {
    return Unimplemented();
  }
  absl::Status WaitUntilServing(absl::Duration) override { return absl::OkStatus(); }

 private:
  static absl::Status Unimplemented() { return absl::UnimplementedError("not faked"); }
};

}  // namespace streamtune

#endif  // STREAMTUNE_CLIENT_FAKE_CLIENT_H_
