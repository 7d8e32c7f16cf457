// FlinkRestClient: typed calls to one Flink JobManager's REST API over an
// HttpClient. Transport and parsing stay apart: answers are decoded by
// flink_rest.h's pure parsers.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_REST_CLIENT_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_REST_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/flink/flink_rest.h"
#include "client/flink/flink_snapshot.h"
#include "client/flink/http_client.h"

namespace streamtune::flink {

// Errors name the request ("GET /jobs/…: …"): the HttpClient's transport
// error (DEADLINE_EXCEEDED, UNAVAILABLE), NOT_FOUND for 404, ABORTED for 409
// (another update in progress), INVALID_ARGUMENT for 400 (with Flink's
// message) and for answers that do not parse, UNAVAILABLE for 5xx, UNKNOWN
// for any other non-200 status. Thread-safe if the HttpClient is.
class FlinkRestClient {
 public:
  // `http` must outlive this object. `base_url` like "http://127.0.0.1:8081"
  // (a trailing slash is ignored).
  FlinkRestClient(HttpClient* http, std::string base_url);

  // The JobManager's Flink version, from GET /config.
  absl::StatusOr<std::string> GetFlinkVersion();
  absl::StatusOr<std::vector<FlinkJobSummary>> ListJobs();
  absl::StatusOr<FlinkJob> GetJob(const std::string& job_id);
  absl::StatusOr<std::vector<FlinkInput>> GetPlan(const std::string& job_id);
  // The plan's node descriptions by vertex id (flink_operator_kinds.h).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> GetPlanDescriptions(
      const std::string& job_id);
  // The job's details and, when it is fully running, every vertex's metrics
  // and, when Flink reports the job's runningTime, when they were collected
  // (JobSample::metrics_at_ms).
  absl::StatusOr<JobSample> Sample(const std::string& job_id);
  // The job's runningTime (or uptime) gauge as the REST store holds it;
  // nullopt when Flink does not report it or the request fails.
  std::optional<int64_t> GetRunningTimeMs(const std::string& job_id);
  // The JobManager's REST handlers serve metrics from a store that a metrics
  // request refreshes asynchronously, at most once per
  // metrics.fetcher.update-interval (MetricFetcherImpl, 1.20.3): whatever a
  // request returns predates it. This request starts a refresh; sampling a
  // moment later reads values of one instant, not of the previous call.
  absl::Status RefreshMetrics(const std::string& job_id, const std::string& vertex_id);

  absl::StatusOr<ResourceRequirements> GetResourceRequirements(
      const std::string& job_id);
  absl::Status PutResourceRequirements(const std::string& job_id,
                                       const ResourceRequirements& requirements);

  const std::string& base_url() const { return base_url_; }

 private:
  absl::StatusOr<std::string> Get(const std::string& path);
  static std::string SubtaskMetricsPath(const std::string& job_id,
                                        const std::string& vertex_id);
  // The vertex's subtask metrics the client uses (MetricsToRequest), among
  // those Flink lists for it.
  absl::StatusOr<std::vector<std::string>> MetricsToRead(const std::string& job_id,
                                                         const std::string& vertex_id);
  // Those metrics' values, aggregated with min, max, avg and sum.
  absl::StatusOr<VertexMetrics> ReadVertexMetrics(
      const std::string& job_id, const std::string& vertex_id,
      const std::vector<std::string>& names);

  HttpClient* http_;
  std::string base_url_;
};

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_REST_CLIENT_H_
