#include "client/flink/flink_rest_client.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace streamtune::flink {
namespace {

// How far a metrics collection may come after the job details' `now` (the
// metrics requests that follow them start collections of their own).
constexpr int64_t kClockSlackMs = 10000;

absl::Status StatusOfAnswer(absl::string_view request, const HttpResponse& response) {
  const std::string what = absl::StrCat(request, ": HTTP ", response.status);
  switch (response.status) {
    case 200:
      return absl::OkStatus();
    case 400:
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", FlinkErrorMessage(response.body)));
    case 404:
      return absl::NotFoundError(what);
    case 409:
      return absl::AbortedError(
          absl::StrCat(what, ": ", FlinkErrorMessage(response.body)));
    default:
      if (response.status >= 500) {
        return absl::UnavailableError(
            absl::StrCat(what, ": ", FlinkErrorMessage(response.body)));
      }
      return absl::UnknownError(what);
  }
}

// Prefixes a parser's error with the request it decoded.
template <typename T>
absl::StatusOr<T> Decoded(absl::string_view request, absl::StatusOr<T> parsed) {
  if (parsed.ok()) return parsed;
  return absl::Status(parsed.status().code(),
                      absl::StrCat(request, ": ", parsed.status().message()));
}

}  // namespace

FlinkRestClient::FlinkRestClient(HttpClient* http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

absl::StatusOr<std::string> FlinkRestClient::Get(const std::string& path) {
  const std::string request = absl::StrCat("GET ", path);
  absl::StatusOr<HttpResponse> response = http_->Get(base_url_ + path);
  if (!response.ok()) return response.status();
  STREAMTUNE_RETURN_IF_ERROR(StatusOfAnswer(request, *response));
  return std::move(response->body);
}

absl::StatusOr<std::string> FlinkRestClient::GetFlinkVersion() {
  const std::string path = "/config";
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParseFlinkVersion(body));
}

absl::StatusOr<std::vector<FlinkJobSummary>> FlinkRestClient::ListJobs() {
  const std::string path = "/jobs/overview";
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParseJobsOverview(body));
}

absl::StatusOr<FlinkJob> FlinkRestClient::GetJob(const std::string& job_id) {
  const std::string path = absl::StrCat("/jobs/", job_id);
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParseJobDetails(body));
}

absl::StatusOr<std::vector<FlinkInput>> FlinkRestClient::GetPlan(
    const std::string& job_id) {
  const std::string path = absl::StrCat("/jobs/", job_id, "/plan");
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParsePlanInputs(body));
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
FlinkRestClient::GetPlanDescriptions(const std::string& job_id) {
  const std::string path = absl::StrCat("/jobs/", job_id, "/plan");
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParsePlanDescriptions(body));
}

std::string FlinkRestClient::SubtaskMetricsPath(const std::string& job_id,
                                                const std::string& vertex_id) {
  return absl::StrCat("/jobs/", job_id, "/vertices/", vertex_id, "/subtasks/metrics");
}

absl::StatusOr<std::vector<std::string>> FlinkRestClient::MetricsToRead(
    const std::string& job_id, const std::string& vertex_id) {
  const std::string path = SubtaskMetricsPath(job_id, vertex_id);
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string listing, Get(path));
  STREAMTUNE_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                              Decoded("GET " + path, ParseMetricNames(listing)));
  return MetricsToRequest(names);
}

absl::StatusOr<VertexMetrics> FlinkRestClient::ReadVertexMetrics(
    const std::string& job_id, const std::string& vertex_id,
    const std::vector<std::string>& names) {
  if (names.empty()) return VertexMetrics();
  const std::string query =
      absl::StrCat(SubtaskMetricsPath(job_id, vertex_id),
                   "?get=", absl::StrJoin(names, ","), "&agg=min,max,avg,sum");
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string values, Get(query));
  STREAMTUNE_ASSIGN_OR_RETURN(const AggregatedMetrics metrics,
                              Decoded("GET " + query, ParseAggregatedMetrics(values)));
  return VertexMetricsFrom(metrics);
}

absl::Status FlinkRestClient::RefreshMetrics(const std::string& job_id,
                                             const std::string& vertex_id) {
  const std::string path =
      SubtaskMetricsPath(job_id, vertex_id) + "?get=numRecordsIn&agg=sum";
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParseAggregatedMetrics(body)).status();
}

std::optional<int64_t> FlinkRestClient::GetRunningTimeMs(const std::string& job_id) {
  const std::string path =
      absl::StrCat("/jobs/", job_id, "/metrics?get=runningTime,uptime");
  absl::StatusOr<std::string> body = Get(path);
  if (!body.ok()) return std::nullopt;  // Not served: the metrics stay untimed.
  absl::StatusOr<std::optional<int64_t>> ms = ParseJobRunningTime(*body);
  return ms.ok() ? *ms : std::nullopt;
}

absl::StatusOr<JobSample> FlinkRestClient::Sample(const std::string& job_id) {
  JobSample sample;
  STREAMTUNE_ASSIGN_OR_RETURN(sample.job, GetJob(job_id));
  if (!FullyRunning(sample.job)) return sample;
  // The job's runningTime is collected with the subtask metrics: the same
  // value before and after them means they all come from one collection,
  // whose instant it gives. A collection that lands in between (another
  // REST client's, or one our own requests started) is read again.
  // The names are listed once; a pass asks only for the values, so it is
  // short and a collection rarely lands inside it.
  absl::flat_hash_map<std::string, std::vector<std::string>> names;
  for (const FlinkVertex& vertex : sample.job.vertices) {
    STREAMTUNE_ASSIGN_OR_RETURN(names[vertex.id], MetricsToRead(job_id, vertex.id));
  }
  constexpr int kAttempts = 4;
  std::optional<int64_t> before = GetRunningTimeMs(job_id);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    for (const FlinkVertex& vertex : sample.job.vertices) {
      STREAMTUNE_ASSIGN_OR_RETURN(
          sample.metrics[vertex.id],
          ReadVertexMetrics(job_id, vertex.id, names[vertex.id]));
    }
    const std::optional<int64_t> after = GetRunningTimeMs(job_id);
    if (!before.has_value() && !after.has_value()) break;  // Not reported.
    if (before == after) {
      const int64_t at_ms = sample.job.running_since_ms + *after;
      // A clock further ahead of the job's details than a collection
      // started after them could be is not trusted.
      if (*after <= sample.job.now_ms - sample.job.running_since_ms + kClockSlackMs) {
        sample.metrics_at_ms = at_ms;
      }
      break;
    }
    before = after;  // The next pass starts from the collection just seen.
  }
  return sample;
}

absl::StatusOr<ResourceRequirements> FlinkRestClient::GetResourceRequirements(
    const std::string& job_id) {
  const std::string path = absl::StrCat("/jobs/", job_id, "/resource-requirements");
  STREAMTUNE_ASSIGN_OR_RETURN(const std::string body, Get(path));
  return Decoded("GET " + path, ParseResourceRequirements(body));
}

absl::Status FlinkRestClient::PutResourceRequirements(
    const std::string& job_id, const ResourceRequirements& requirements) {
  const std::string path = absl::StrCat("/jobs/", job_id, "/resource-requirements");
  absl::StatusOr<HttpResponse> response =
      http_->Put(base_url_ + path, ResourceRequirementsJson(requirements));
  if (!response.ok()) return response.status();
  return StatusOfAnswer("PUT " + path, *response);
}

}  // namespace streamtune::flink
