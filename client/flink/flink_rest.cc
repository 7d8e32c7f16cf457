#include "client/flink/flink_rest.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace streamtune::flink {
namespace {

using nlohmann::json;

absl::Status Invalid(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

// Standard JSON has no NaN or Infinity. Flink 1.20's REST mapper (Jackson
// defaults, RestMapperUtils) writes them as strings, but other versions or
// proxies may emit bare tokens; those become null so the text parses.
std::string NullBareNonFinite(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool replaced = false;
    for (absl::string_view token : {"-Infinity", "Infinity", "NaN"}) {
      if (absl::StartsWith(text.substr(i), token)) {
        out += "null";
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(c);
  }
  return out;
}

absl::StatusOr<json> ParseJson(absl::string_view text) {
  json parsed =
      json::parse(NullBareNonFinite(text), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Invalid("$", absl::StrCat("not JSON: \"", text.substr(0, 80), "\""));
  }
  return parsed;
}

absl::StatusOr<std::string> StringAt(const json& object, const char* key,
                                     absl::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return Invalid(absl::StrCat(path, ".", key), "missing or not a string");
  }
  return it->get<std::string>();
}

absl::StatusOr<int64_t> IntegerAt(const json& object, const char* key,
                                  absl::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    return Invalid(absl::StrCat(path, ".", key), "missing or not an integer");
  }
  return it->get<int64_t>();
}

// A metric value: finite numbers, or numeric strings Flink may send.
std::optional<double> MetricValue(const json& value) {
  double v = 0;
  if (value.is_number()) {
    v = value.get<double>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    char* end = nullptr;
    v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// Calls `visit(object, id, at)` for every element of the JSON array
// `array` found at `path`, each an object named by its "id" (`at` is the
// element's own path); stops at the first error, its own or the visit's.
template <typename Visit>
absl::Status ForEachObjectWithId(const json& array, const std::string& path,
                                 Visit visit) {
  for (size_t i = 0; i < array.size(); ++i) {
    const json& entry = array[i];
    const std::string at = absl::StrCat(path, "[", i, "]");
    if (!entry.is_object()) return Invalid(at, "not an object");
    std::string id;
    STREAMTUNE_ASSIGN_OR_RETURN(id, StringAt(entry, "id", at));
    STREAMTUNE_RETURN_IF_ERROR(visit(entry, std::move(id), at));
  }
  return absl::OkStatus();
}

// Calls `visit(entry, id)` for every object of a metrics answer, a JSON
// array of objects named by "id" (GET .../metrics, with or without `get`).
template <typename Visit>
absl::Status ForEachMetricEntry(absl::string_view text, Visit visit) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_array()) return Invalid("$", "not an array");
  return ForEachObjectWithId(
      *parsed, "$", [&visit](const json& entry, std::string id, const std::string&) {
        visit(entry, std::move(id));
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<std::vector<FlinkJobSummary>> ParseJobsOverview(absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  auto jobs = parsed->find("jobs");
  if (!parsed->is_object() || jobs == parsed->end() || !jobs->is_array()) {
    return Invalid("$.jobs", "missing or not an array");
  }
  std::vector<FlinkJobSummary> out;
  for (size_t i = 0; i < jobs->size(); ++i) {
    const json& job = (*jobs)[i];
    const std::string path = absl::StrCat("$.jobs[", i, "]");
    if (!job.is_object()) return Invalid(path, "not an object");
    FlinkJobSummary summary;
    STREAMTUNE_ASSIGN_OR_RETURN(summary.id, StringAt(job, "jid", path));
    STREAMTUNE_ASSIGN_OR_RETURN(summary.state, StringAt(job, "state", path));
    if (auto name = job.find("name"); name != job.end() && name->is_string()) {
      summary.name = name->get<std::string>();
    }
    out.push_back(std::move(summary));
  }
  return out;
}

absl::StatusOr<FlinkJob> ParseJobDetails(absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  const json& root = *parsed;
  if (!root.is_object()) return Invalid("$", "not an object");
  FlinkJob job;
  STREAMTUNE_ASSIGN_OR_RETURN(job.id, StringAt(root, "jid", "$"));
  STREAMTUNE_ASSIGN_OR_RETURN(job.state, StringAt(root, "state", "$"));
  STREAMTUNE_ASSIGN_OR_RETURN(job.now_ms, IntegerAt(root, "now", "$"));
  if (auto name = root.find("name"); name != root.end() && name->is_string()) {
    job.name = name->get<std::string>();
  }
  if (auto type = root.find("schedulerType"); type != root.end() && type->is_string()) {
    job.scheduler_type = type->get<std::string>();
  }
  if (root.contains("pending-operators")) {
    STREAMTUNE_ASSIGN_OR_RETURN(job.pending_operators,
                                IntegerAt(root, "pending-operators", "$"));
    if (job.pending_operators < 0) {
      return Invalid("$.pending-operators", "negative");
    }
  }
  auto timestamps = root.find("timestamps");
  if (timestamps == root.end() || !timestamps->is_object()) {
    return Invalid("$.timestamps", "missing or not an object");
  }
  STREAMTUNE_ASSIGN_OR_RETURN(job.running_since_ms,
                              IntegerAt(*timestamps, "RUNNING", "$.timestamps"));
  auto vertices = root.find("vertices");
  if (vertices == root.end() || !vertices->is_array()) {
    return Invalid("$.vertices", "missing or not an array");
  }
  for (size_t i = 0; i < vertices->size(); ++i) {
    const json& v = (*vertices)[i];
    const std::string path = absl::StrCat("$.vertices[", i, "]");
    if (!v.is_object()) return Invalid(path, "not an object");
    FlinkVertex vertex;
    STREAMTUNE_ASSIGN_OR_RETURN(vertex.id, StringAt(v, "id", path));
    STREAMTUNE_ASSIGN_OR_RETURN(vertex.name, StringAt(v, "name", path));
    STREAMTUNE_ASSIGN_OR_RETURN(vertex.status, StringAt(v, "status", path));
    int64_t parallelism = 0;
    int64_t max_parallelism = 0;
    STREAMTUNE_ASSIGN_OR_RETURN(parallelism, IntegerAt(v, "parallelism", path));
    STREAMTUNE_ASSIGN_OR_RETURN(max_parallelism, IntegerAt(v, "maxParallelism", path));
    if (parallelism < 1 || max_parallelism < parallelism ||
        max_parallelism > (1 << 15)) {
      return Invalid(path,
                     absl::StrCat("parallelism ", parallelism, " / maxParallelism ",
                                  max_parallelism, " out of range"));
    }
    vertex.parallelism = static_cast<int>(parallelism);
    vertex.max_parallelism = static_cast<int>(max_parallelism);
    job.vertices.push_back(std::move(vertex));
  }
  return job;
}

bool IsTerminalJobState(absl::string_view state) {
  return state == "FINISHED" || state == "CANCELED" || state == "FAILED";
}

bool FullyRunning(const FlinkJob& job) {
  if (job.state != "RUNNING" || job.vertices.empty() || job.pending_operators != 0) {
    return false;
  }
  for (const FlinkVertex& v : job.vertices) {
    if (v.status != "RUNNING") return false;
  }
  return true;
}

bool KnownNotAdaptive(const FlinkJob& job) {
  return !job.scheduler_type.empty() && job.scheduler_type != "Adaptive";
}

absl::StatusOr<std::string> ParseFlinkVersion(absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return Invalid("$", "not an object");
  return StringAt(*parsed, "flink-version", "$");
}

absl::StatusOr<std::vector<FlinkInput>> ParsePlanInputs(absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  auto plan = parsed->is_object() ? parsed->find("plan") : parsed->end();
  if (plan == parsed->end() || !plan->is_object()) {
    return Invalid("$.plan", "missing or not an object");
  }
  auto nodes = plan->find("nodes");
  if (nodes == plan->end() || !nodes->is_array()) {
    return Invalid("$.plan.nodes", "missing or not an array");
  }
  std::vector<FlinkInput> out;
  auto add_inputs = [&out](const json& node, std::string to,
                           const std::string& path) -> absl::Status {
    auto inputs = node.find("inputs");
    if (inputs == node.end()) return absl::OkStatus();  // A source.
    if (!inputs->is_array()) return Invalid(path + ".inputs", "not an array");
    return ForEachObjectWithId(
        *inputs, path + ".inputs",
        [&out, &to](const json& input, std::string from, const std::string&) {
          FlinkInput edge;
          edge.from = std::move(from);
          edge.to = to;
          if (auto s = input.find("ship_strategy");
              s != input.end() && s->is_string()) {
            edge.ship_strategy = s->get<std::string>();
          }
          out.push_back(std::move(edge));
          return absl::OkStatus();
        });
  };
  STREAMTUNE_RETURN_IF_ERROR(ForEachObjectWithId(*nodes, "$.plan.nodes", add_inputs));
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseMetricNames(absl::string_view text) {
  std::vector<std::string> names;
  STREAMTUNE_RETURN_IF_ERROR(ForEachMetricEntry(
      text, [&names](const json&, std::string id) { names.push_back(std::move(id)); }));
  return names;
}

absl::StatusOr<AggregatedMetrics> ParseAggregatedMetrics(absl::string_view text) {
  AggregatedMetrics out;
  STREAMTUNE_RETURN_IF_ERROR(
      ForEachMetricEntry(text, [&out](const json& entry, std::string id) {
        auto read = [&entry](const char* key) -> std::optional<double> {
          auto it = entry.find(key);
          return it == entry.end() ? std::nullopt : MetricValue(*it);
        };
        out[id] = AggregatedMetric{read("min"), read("max"), read("avg"), read("sum")};
      }));
  return out;
}

absl::StatusOr<std::optional<int64_t>> ParseJobRunningTime(absl::string_view text) {
  std::optional<double> running_time;
  std::optional<double> uptime;
  STREAMTUNE_RETURN_IF_ERROR(
      ForEachMetricEntry(text, [&](const json& entry, const std::string& id) {
        auto value = entry.find("value");
        if (value == entry.end()) return;
        if (id == "runningTime") running_time = MetricValue(*value);
        if (id == "uptime") uptime = MetricValue(*value);
      }));
  const std::optional<double> ms = running_time.has_value() ? running_time : uptime;
  if (!ms.has_value() || *ms < 0) return std::nullopt;
  return static_cast<int64_t>(*ms);
}

absl::StatusOr<ResourceRequirements> ParseResourceRequirements(absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return Invalid("$", "not an object");
  ResourceRequirements out;
  for (const auto& [vertex, value] : parsed->items()) {
    const std::string path = absl::StrCat("$.", vertex, ".parallelism");
    auto bounds = value.is_object() ? value.find("parallelism") : value.end();
    if (bounds == value.end() || !bounds->is_object()) {
      return Invalid(path, "missing or not an object");
    }
    int64_t lower = 0;
    int64_t upper = 0;
    STREAMTUNE_ASSIGN_OR_RETURN(lower, IntegerAt(*bounds, "lowerBound", path));
    STREAMTUNE_ASSIGN_OR_RETURN(upper, IntegerAt(*bounds, "upperBound", path));
    // Flink allows lowerBound -1 ("any"); upper is always a real bound, at
    // most maxParallelism <= 2^15. A larger one used to be truncated to int.
    if (upper < 1 || upper > (1 << 15) || lower > upper || lower < -1) {
      return Invalid(path,
                     absl::StrCat("bounds [", lower, ", ", upper, "] out of range"));
    }
    out[vertex] = ParallelismBounds{static_cast<int>(lower), static_cast<int>(upper)};
  }
  return out;
}

std::string ResourceRequirementsJson(const ResourceRequirements& requirements) {
  json body = json::object();
  for (const auto& [vertex, bounds] : requirements) {
    body[vertex]["parallelism"] = {{"lowerBound", bounds.lower},
                                   {"upperBound", bounds.upper}};
  }
  return body.dump();
}

absl::StatusOr<ResourceRequirements> RequirementsFor(
    const ResourceRequirements& current, const std::map<std::string, int>& target) {
  if (current.size() != target.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the job has ", current.size(), " vertices, the target names ", target.size()));
  }
  ResourceRequirements out;
  for (const auto& [vertex, bounds] : current) {
    auto it = target.find(vertex);
    if (it == target.end()) {
      return absl::InvalidArgumentError(absl::StrCat("no target for vertex ", vertex));
    }
    if (it->second < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("vertex ", vertex, ": target parallelism ", it->second, " < 1"));
    }
    out[vertex] = ParallelismBounds{std::min(it->second, bounds.lower), it->second};
  }
  return out;
}

std::string FlinkErrorMessage(absl::string_view body) {
  constexpr size_t kMaxChars = 300;
  json parsed =
      json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  std::string message(body.substr(0, kMaxChars));
  if (!parsed.is_discarded() && parsed.is_object()) {
    auto errors = parsed.find("errors");
    if (errors != parsed.end() && errors->is_array() && !errors->empty() &&
        (*errors)[0].is_string()) {
      // A 500 says "Internal server error." first and the cause second.
      size_t index = 0;
      constexpr absl::string_view kInternal = "Internal server error.";
      constexpr absl::string_view kServerSide = "<Exception on server side:\n";
      if ((*errors)[0].get<std::string>() == kInternal && errors->size() > 1 &&
          (*errors)[1].is_string()) {
        index = 1;
      }
      message = (*errors)[index].get<std::string>();
      if (absl::StartsWith(message, kServerSide)) {
        message = message.substr(kServerSide.size());
      }
      message = message.substr(0, message.find('\n'));
      constexpr absl::string_view kPrefix =
          "org.apache.flink.runtime.rest.handler.RestHandlerException: ";
      if (absl::StartsWith(message, kPrefix)) message = message.substr(kPrefix.size());
      while (!message.empty() && message.back() == ' ') message.pop_back();
    }
  }
  return message.substr(0, kMaxChars);
}

}  // namespace streamtune::flink
