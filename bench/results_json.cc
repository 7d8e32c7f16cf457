// results.json writing (compact values, one run key or list entry per line)
// and strict-enough reading with JSON-path errors.
#include "bench/results_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/sim/run_metrics.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace streamtune::bench {
namespace {

using Json = nlohmann::ordered_json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

Json TimelineToJson(const TimelineEntry& e) {
  Json j = Json::object();
  j["t"] = e.t;
  j["applied"] = e.applied;
  j["before"] = e.before;
  j["after"] = e.after;
  j["total_before"] = e.total_before;
  j["total_after"] = e.total_after;
  j["reason"] = e.reason;
  return j;
}

Json RunToJson(const BenchRun& run) {
  const sim::RunMetrics& m = run.metrics;
  Json j = Json::object();
  j["workload"] = run.workload;
  j["policy"] = run.policy;
  j["operator_ids"] = run.operator_ids;
  j["source_ids"] = run.source_ids;
  j["reconfigurations"] = m.reconfigurations;
  j["avg_total_parallelism"] = Number(m.avg_total_parallelism);
  j["parallelism_vs_oracle"] = Number(m.parallelism_vs_oracle);
  j["slo_attainment"] = Number(m.slo_attainment);
  j["avg_lag_s"] = Number(m.avg_lag_s);
  j["max_lag_s"] = Number(m.max_lag_s);
  j["steps_to_converge"] = Json::array();
  for (double steps : m.steps_to_converge()) {
    j["steps_to_converge"].push_back(Number(steps));
  }
  j["oracle_reconfigurations"] = m.oracle_reconfigurations;
  j["avg_oracle_total_parallelism"] = Number(m.avg_oracle_total_parallelism);
  j["feasible_seconds"] = m.feasible_seconds;
  j["wall_seconds"] = Number(run.wall_seconds);
  j["rate_changes"] = Json::array();
  for (const sim::RateChange& c : m.rate_changes) {
    Json change = Json::object();
    change["at_s"] = c.at_s;
    change["end_s"] = c.end_s;
    change["reconfigurations"] = c.reconfigurations;
    change["steps_to_converge"] = Number(c.steps_to_converge);
    j["rate_changes"].push_back(std::move(change));
  }
  j["timeline"] = Json::array();
  for (const TimelineEntry& e : run.timeline) {
    j["timeline"].push_back(TimelineToJson(e));
  }
  return j;
}

// Readable without being long: a run's keys one per line, lists of objects
// one element per line, everything else compact.
void AppendRun(const Json& run, std::string* out) {
  absl::StrAppend(out, "    {");
  bool first_key = true;
  for (const auto& [key, value] : run.items()) {
    absl::StrAppend(out, first_key ? "\n" : ",\n", "      ", Json(key).dump(), ": ");
    first_key = false;
    const bool list_of_objects =
        value.is_array() && !value.empty() && value.front().is_object();
    if (!list_of_objects) {
      absl::StrAppend(out, value.dump());
      continue;
    }
    absl::StrAppend(out, "[");
    for (size_t i = 0; i < value.size(); ++i) {
      absl::StrAppend(out, i == 0 ? "\n" : ",\n", "        ", value[i].dump());
    }
    absl::StrAppend(out, "\n      ]");
  }
  absl::StrAppend(out, "\n    }");
}

// Typed access to one JSON object's keys; errors name the JSON path.
class Fields {
 public:
  Fields(const Json& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  absl::Status Error(absl::string_view key, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("results: ", path_, ".", key, ": ", what));
  }

  absl::StatusOr<const Json*> Get(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end()) return Error(key, "missing");
    return &*it;
  }

  absl::Status String(const char* key, std::string* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_string()) return Error(key, "expected a string");
    *out = v->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Bool(const char* key, bool* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_boolean()) return Error(key, "expected a boolean");
    *out = v->get<bool>();
    return absl::OkStatus();
  }

  absl::Status Int(const char* key, int* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    return ToInt(*v, key, out);
  }

  // null reads as `null_value`.
  absl::Status Double(const char* key, double null_value, double* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    return ToDouble(*v, key, null_value, out);
  }

  absl::Status IntList(const char* key, std::vector<int>* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_array()) return Error(key, "expected an array");
    out->assign(v->size(), 0);
    for (size_t i = 0; i < v->size(); ++i) {
      STREAMTUNE_RETURN_IF_ERROR(
          ToInt((*v)[i], absl::StrCat(key, "[", i, "]"), &(*out)[i]));
    }
    return absl::OkStatus();
  }

  absl::Status DoubleList(const char* key, double null_value,
                          std::vector<double>* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_array()) return Error(key, "expected an array");
    out->assign(v->size(), 0);
    for (size_t i = 0; i < v->size(); ++i) {
      STREAMTUNE_RETURN_IF_ERROR(
          ToDouble((*v)[i], absl::StrCat(key, "[", i, "]"), null_value, &(*out)[i]));
    }
    return absl::OkStatus();
  }

  absl::Status StringList(const char* key, std::vector<std::string>* out) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_array()) return Error(key, "expected an array");
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        return Error(absl::StrCat(key, "[", i, "]"), "expected a string");
      }
      out->push_back((*v)[i].get<std::string>());
    }
    return absl::OkStatus();
  }

  // The objects of the array at `key`, each with its own path.
  absl::StatusOr<std::vector<Fields>> ObjectList(const char* key) const {
    STREAMTUNE_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_array()) return Error(key, "expected an array");
    std::vector<Fields> list;
    for (size_t i = 0; i < v->size(); ++i) {
      std::string name = absl::StrCat(key, "[", i, "]");
      if (!(*v)[i].is_object()) return Error(name, "expected an object");
      list.emplace_back((*v)[i], absl::StrCat(path_, ".", name));
    }
    return list;
  }

  bool Has(const char* key) const { return object_.contains(key); }

 private:
  absl::Status ToInt(const Json& v, absl::string_view key, int* out) const {
    constexpr int64_t kMax = std::numeric_limits<int>::max();
    constexpr int64_t kMin = std::numeric_limits<int>::min();
    if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t{kMax}) {
      *out = static_cast<int>(v.get<uint64_t>());
    } else if (v.is_number_integer() && !v.is_number_unsigned() &&
               v.get<int64_t>() >= kMin && v.get<int64_t>() <= kMax) {
      *out = static_cast<int>(v.get<int64_t>());
    } else {
      return Error(key, "expected an int");
    }
    return absl::OkStatus();
  }

  absl::Status ToDouble(const Json& v, absl::string_view key, double null_value,
                        double* out) const {
    if (v.is_null()) {
      *out = null_value;
    } else if (v.is_number()) {
      *out = v.get<double>();
    } else {
      return Error(key, "expected a number or null");
    }
    return absl::OkStatus();
  }

  const Json& object_;
  std::string path_;
};

absl::StatusOr<TimelineEntry> ReadTimelineEntry(const Fields& f) {
  TimelineEntry e;
  STREAMTUNE_RETURN_IF_ERROR(f.Int("t", &e.t));
  STREAMTUNE_RETURN_IF_ERROR(f.Bool("applied", &e.applied));
  STREAMTUNE_RETURN_IF_ERROR(f.IntList("before", &e.before));
  STREAMTUNE_RETURN_IF_ERROR(f.IntList("after", &e.after));
  STREAMTUNE_RETURN_IF_ERROR(f.Int("total_before", &e.total_before));
  STREAMTUNE_RETURN_IF_ERROR(f.Int("total_after", &e.total_after));
  STREAMTUNE_RETURN_IF_ERROR(f.String("reason", &e.reason));
  return e;
}

absl::Status ReadRateChanges(const Fields& f, sim::RunMetrics* m) {
  std::vector<double> steps;
  STREAMTUNE_RETURN_IF_ERROR(
      f.DoubleList("steps_to_converge", sim::kNeverConverged, &steps));
  m->rate_changes.clear();
  if (!f.Has("rate_changes")) {
    for (double s : steps) m->rate_changes.push_back({0, 0, 0, s});
    return absl::OkStatus();
  }
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<Fields> changes,
                              f.ObjectList("rate_changes"));
  for (const Fields& c : changes) {
    sim::RateChange change;
    STREAMTUNE_RETURN_IF_ERROR(c.Int("at_s", &change.at_s));
    STREAMTUNE_RETURN_IF_ERROR(c.Int("end_s", &change.end_s));
    STREAMTUNE_RETURN_IF_ERROR(c.Int("reconfigurations", &change.reconfigurations));
    STREAMTUNE_RETURN_IF_ERROR(
        c.Double("steps_to_converge", sim::kNeverConverged, &change.steps_to_converge));
    m->rate_changes.push_back(change);
  }
  if (m->rate_changes.size() != steps.size()) {
    return f.Error("rate_changes", "length differs from steps_to_converge");
  }
  return absl::OkStatus();
}

absl::StatusOr<BenchRun> ReadRun(const Fields& f) {
  BenchRun run;
  sim::RunMetrics& m = run.metrics;
  STREAMTUNE_RETURN_IF_ERROR(f.String("workload", &run.workload));
  STREAMTUNE_RETURN_IF_ERROR(f.String("policy", &run.policy));
  STREAMTUNE_RETURN_IF_ERROR(f.StringList("operator_ids", &run.operator_ids));
  if (f.Has("source_ids")) {
    STREAMTUNE_RETURN_IF_ERROR(f.StringList("source_ids", &run.source_ids));
  }
  STREAMTUNE_RETURN_IF_ERROR(f.Int("reconfigurations", &m.reconfigurations));
  STREAMTUNE_RETURN_IF_ERROR(
      f.Double("avg_total_parallelism", kNaN, &m.avg_total_parallelism));
  STREAMTUNE_RETURN_IF_ERROR(
      f.Double("parallelism_vs_oracle", kNaN, &m.parallelism_vs_oracle));
  STREAMTUNE_RETURN_IF_ERROR(f.Double("slo_attainment", kNaN, &m.slo_attainment));
  STREAMTUNE_RETURN_IF_ERROR(f.Double("avg_lag_s", kNaN, &m.avg_lag_s));
  STREAMTUNE_RETURN_IF_ERROR(f.Double("max_lag_s", kNaN, &m.max_lag_s));
  STREAMTUNE_RETURN_IF_ERROR(ReadRateChanges(f, &m));
  STREAMTUNE_RETURN_IF_ERROR(
      f.Int("oracle_reconfigurations", &m.oracle_reconfigurations));
  STREAMTUNE_RETURN_IF_ERROR(
      f.Double("avg_oracle_total_parallelism", kNaN, &m.avg_oracle_total_parallelism));
  STREAMTUNE_RETURN_IF_ERROR(f.Int("feasible_seconds", &m.feasible_seconds));
  STREAMTUNE_RETURN_IF_ERROR(f.Double("wall_seconds", kNaN, &run.wall_seconds));
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<Fields> entries, f.ObjectList("timeline"));
  for (const Fields& e : entries) {
    STREAMTUNE_ASSIGN_OR_RETURN(TimelineEntry entry, ReadTimelineEntry(e));
    run.timeline.push_back(std::move(entry));
  }
  return run;
}

}  // namespace

std::string ResultsToJson(const std::vector<BenchRun>& runs) {
  std::string out = "{\n  \"runs\": [";
  for (size_t i = 0; i < runs.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n");
    AppendRun(RunToJson(runs[i]), &out);
  }
  absl::StrAppend(&out, runs.empty() ? "]\n}\n" : "\n  ]\n}\n");
  return out;
}

absl::StatusOr<std::vector<BenchRun>> ResultsFromJson(absl::string_view text) {
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("results: ", e.what()));
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError("results: expected a JSON object");
  }
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<Fields> runs,
                              Fields(root, "$").ObjectList("runs"));
  std::vector<BenchRun> result;
  for (const Fields& run : runs) {
    STREAMTUNE_ASSIGN_OR_RETURN(BenchRun r, ReadRun(run));
    result.push_back(std::move(r));
  }
  return result;
}

}  // namespace streamtune::bench
