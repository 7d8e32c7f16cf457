#include "client/flink/fake_flink.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace streamtune::flink {
namespace {

using nlohmann::json;

HttpResponse Answer(int status, std::string body) {
  return HttpResponse{status, std::move(body)};
}

json Value(double v, bool nan) { return nan ? json("NaN") : json(v); }

}  // namespace

FakeFlink::FakeFlink() {
  FakeVertex source;
  source.id = kSource;
  source.name = "Source: source";
  source.in_rate = 0;  // Flink reports no input for sources.
  source.out_rate = 667;
  source.backpressured_max = 1000;
  source.pending = 12000;
  FakeVertex parse;
  parse.id = kParse;
  parse.name = "parse";
  parse.in_rate = parse.out_rate = 667;
  parse.busy_avg = parse.busy_max = 130;
  parse.backpressured_max = 800;
  FakeVertex aggregate;
  aggregate.id = kAggregate;
  aggregate.name = "aggregate";
  aggregate.in_rate = aggregate.out_rate = 667;
  aggregate.busy_avg = aggregate.busy_max = 1000;
  FakeVertex sink;
  sink.id = kSink;
  sink.name = "sink: Writer";
  sink.in_rate = 667;
  sink.busy_avg = sink.busy_max = 5;
  vertices = {source, parse, aggregate, sink};
  Advance(100);
}

FakeVertex& FakeFlink::vertex(const std::string& id) {
  for (FakeVertex& v : vertices) {
    if (v.id == id) return v;
  }
  return vertices.front();
}

void FakeFlink::Advance(double seconds) {
  now_ms += static_cast<int64_t>(seconds * 1000);
  for (FakeVertex& v : vertices) {
    v.records_in += v.in_rate * seconds;
    v.records_out += v.out_rate * seconds;
    v.busy_ms += v.busy_avg * v.parallelism * seconds;
    v.idle_ms += (1000 - v.busy_avg) * v.parallelism * seconds;
  }
}

std::string FakeFlink::JobJson() const {
  json job = {{"jid", kJobId},
              {"name", "streamtune-harness-synthetic"},
              {"state", job_state},
              {"now", now_ms},
              {"maxParallelism", 128},
              {"timestamps",
               {{"RUNNING", running_since_ms}, {"CREATED", running_since_ms - 50}}}};
  if (!scheduler_type.empty()) job["schedulerType"] = scheduler_type;
  json list = json::array();
  for (const FakeVertex& v : vertices) {
    list.push_back({{"id", v.id},
                    {"name", v.name},
                    {"parallelism", v.parallelism},
                    {"maxParallelism", v.max_parallelism},
                    {"status", v.status},
                    {"metrics", {{"read-records", v.records_in}}}});
  }
  job["vertices"] = list;
  return job.dump();
}

std::string FakeFlink::MetricsJson(const FakeVertex& v,
                                   const std::string& query) const {
  const double p = v.parallelism;
  std::map<std::string, json> all = {
      {"busyTimeMsPerSecond",
       {{"max", Value(v.busy_max, v.busy_is_nan)},
        {"avg", Value(v.busy_avg, v.busy_is_nan)},
        {"sum", Value(v.busy_avg * p, v.busy_is_nan)}}},
      {"backPressuredTimeMsPerSecond",
       {{"max", v.backpressured_max}, {"avg", v.backpressured_max}, {"sum", 0}}},
      {"idleTimeMsPerSecond",
       {{"max", 1000 - v.busy_avg}, {"avg", 1000 - v.busy_avg}, {"sum", 0}}},
      // Flink's meters average over 60 s: report them low, as after a start.
      {"numRecordsInPerSecond", {{"max", 0}, {"avg", 0}, {"sum", v.in_rate / 2}}},
      {"numRecordsOutPerSecond", {{"max", 0}, {"avg", 0}, {"sum", v.out_rate / 2}}},
      {"numRecordsIn", {{"max", 0}, {"avg", 0}, {"sum", v.records_in}}},
      {"numRecordsOut", {{"max", 0}, {"avg", 0}, {"sum", v.records_out}}},
      {"accumulateBusyTimeMs", {{"max", 0}, {"avg", 0}, {"sum", v.busy_ms}}},
      {"accumulateIdleTimeMs", {{"max", 0}, {"avg", 0}, {"sum", v.idle_ms}}},
      {"mailboxQueueSize", {{"max", 0}, {"avg", 0}, {"sum", 0}}},
  };
  if (v.pending.has_value()) {
    all["Source__source.pendingRecords"] = {
        {"max", *v.pending}, {"avg", *v.pending}, {"sum", *v.pending}};
  }
  json out = json::array();
  const std::string prefix = "get=";
  size_t at = query.find(prefix);
  if (at == std::string::npos) {
    for (const auto& [name, value] : all) out.push_back({{"id", name}});
    return out.dump();
  }
  std::string names = query.substr(at + prefix.size());
  names = names.substr(0, names.find('&'));
  for (absl::string_view name : absl::StrSplit(names, ',')) {
    auto it = all.find(std::string(name));
    if (it == all.end()) return "[]";  // Flink: one unknown name, no answer.
    json entry = it->second;
    entry["id"] = std::string(name);
    out.push_back(entry);
  }
  return out.dump();
}

void FakeFlink::MaybeFinishRescale() {
  if (!pending_target_.has_value() || ++polls_since_put_ < polls_until_rescaled) return;
  for (FakeVertex& v : vertices) {
    v.parallelism = pending_target_->at(v.id);
    v.records_in = v.records_out = v.busy_ms = v.idle_ms = 0;
  }
  running_since_ms = now_ms;
  pending_target_.reset();
}

absl::StatusOr<HttpResponse> FakeFlink::Get(const std::string& url) {
  if (!absl::StartsWith(url, kBaseUrl)) return absl::UnavailableError("wrong host");
  std::string path = url.substr(std::string(kBaseUrl).size());
  requests.push_back("GET " + path);
  if (intercept) {
    if (auto answer = intercept("GET " + path); answer.has_value()) return *answer;
  }
  const std::string query =
      path.find('?') == std::string::npos ? "" : path.substr(path.find('?') + 1);
  path = path.substr(0, path.find('?'));
  const std::string job = absl::StrCat("/jobs/", kJobId);
  if (path == "/config") {
    return Answer(200, json({{"flink-version", flink_version}}).dump());
  }
  if (path == "/jobs/overview") {
    json jobs = {
        {"jobs", {{{"jid", kJobId}, {"name", "synthetic"}, {"state", job_state}}}}};
    return Answer(200, jobs.dump());
  }
  if (path == job) {
    MaybeFinishRescale();
    return Answer(200, JobJson());
  }
  if (path == job + "/plan") {
    json nodes = json::array();
    nodes.push_back({{"id", kSource}, {"description", "Source: source"}});
    nodes.push_back({{"id", kParse},
                     {"inputs", {{{"id", kSource}, {"ship_strategy", "FORWARD"}}}}});
    nodes.push_back({{"id", kAggregate},
                     {"inputs", {{{"id", kParse}, {"ship_strategy", "HASH"}}}}});
    nodes.push_back({{"id", kSink},
                     {"inputs", {{{"id", kAggregate}, {"ship_strategy", "FORWARD"}}}}});
    return Answer(200, json({{"plan", {{"jid", kJobId}, {"nodes", nodes}}}}).dump());
  }
  if (path == job + "/metrics") {
    json out = json::array();
    if (reports_running_time && job_state == "RUNNING") {
      out.push_back({{"id", "runningTime"},
                     {"value", std::to_string(now_ms - running_since_ms)}});
    }
    return Answer(200, out.dump());
  }
  if (path == job + "/resource-requirements") {
    json body = json::object();
    for (const FakeVertex& v : vertices) {
      body[v.id] = {
          {"parallelism", {{"lowerBound", 1}, {"upperBound", v.parallelism}}}};
    }
    return Answer(200, body.dump());
  }
  for (const FakeVertex& v : vertices) {
    if (path == absl::StrCat(job, "/vertices/", v.id, "/subtasks/metrics")) {
      return Answer(200, MetricsJson(v, query));
    }
  }
  return Answer(404, R"({"errors":["Not found: /jobs/unknown"]})");
}

absl::StatusOr<HttpResponse> FakeFlink::Put(const std::string& url,
                                            const std::string& body) {
  if (!absl::StartsWith(url, kBaseUrl)) return absl::UnavailableError("wrong host");
  std::string path = url.substr(std::string(kBaseUrl).size());
  requests.push_back("PUT " + path);
  if (intercept) {
    if (auto answer = intercept("PUT " + path); answer.has_value()) return *answer;
  }
  if (path != absl::StrCat("/jobs/", kJobId, "/resource-requirements")) {
    return Answer(404, R"({"errors":["Not found"]})");
  }
  if (conflicts_before_accept > 0) {
    --conflicts_before_accept;
    return Answer(409, R"({"errors":["Another update to the job is in progress."]})");
  }
  json parsed = json::parse(body, nullptr, false);
  std::map<std::string, int> target;
  for (const FakeVertex& v : vertices) {
    if (parsed.is_discarded() || !parsed.contains(v.id)) {
      return Answer(
          400, absl::StrCat(R"({"errors":["org.apache.flink.runtime.rest.handler.)",
                            R"(RestHandlerException: The request is incomplete, )",
                            R"(missing job vertex [)", v.id,
                            R"(] resource requirements.\n\tat Dispatcher"]})"));
    }
    const int upper = parsed[v.id]["parallelism"]["upperBound"].get<int>();
    if (upper > v.max_parallelism) {
      return Answer(400, R"({"errors":["exceeds its maximum parallelism"]})");
    }
    target[v.id] = upper;
  }
  accepted_puts.push_back(body);
  pending_target_ = target;
  polls_since_put_ = 0;
  return Answer(200, "{}");
}

}  // namespace streamtune::flink
