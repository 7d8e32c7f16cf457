// Workload files <-> Workload: strict JSON reading (unknown, duplicate,
// missing and mistyped keys are errors with their JSON path) and writing.
// Value ranges and the graph are checked by ValidateWorkload afterwards.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/sim/error_list.h"
#include "client/sim/workload.h"
#include "nlohmann/json.hpp"

namespace streamtune::sim {
namespace {

using Json = nlohmann::json;

struct Key {
  const char* name;
  bool required;
};

// A short rendering of a JSON value for error messages.
std::string Describe(const Json& value) {
  std::string text = value.dump();
  constexpr size_t kMax = 40;
  if (text.size() > kMax) text = absl::StrCat(text.substr(0, kMax - 3), "...");
  return text;
}

absl::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

// Reads one JSON document into typed fields, collecting every error.
class Reader {
 public:
  explicit Reader(ErrorList* errors) : errors_(errors) {}

  // True when `value` is an object; reports unknown keys and missing
  // required keys.
  bool CheckObject(const Json& value, const std::string& path,
                   std::initializer_list<Key> keys) {
    if (!value.is_object()) {
      errors_->Add(path, absl::StrCat("must be an object, got ", TypeName(value)));
      return false;
    }
    for (const auto& [name, unused] : value.items()) {
      bool known = false;
      for (const Key& key : keys) known = known || name == key.name;
      if (!known) {
        std::vector<std::string> names;
        for (const Key& key : keys) names.push_back(key.name);
        errors_->Add(KeyPath(path, name),
                     absl::StrCat("unknown key (expected one of ",
                                  absl::StrJoin(names, ", "), ")"));
      }
    }
    for (const Key& key : keys) {
      if (key.required && !value.contains(key.name)) {
        errors_->Add(KeyPath(path, key.name), "required");
      }
    }
    return true;
  }

  void String(const Json& object, const char* key, const std::string& path,
              std::string* out) {
    const Json* value = Find(object, key);
    if (value == nullptr) return;
    if (!value->is_string()) {
      Mistyped(KeyPath(path, key), "a string", *value);
      return;
    }
    *out = value->get<std::string>();
  }

  template <typename Int>
  void Integer(const Json& object, const char* key, const std::string& path, Int* out) {
    const Json* value = Find(object, key);
    if (value == nullptr) return;
    const std::string field = KeyPath(path, key);
    if (!value->is_number_integer()) {
      Mistyped(field, "an integer", *value);
      return;
    }
    constexpr auto kMin = std::numeric_limits<Int>::min();
    constexpr auto kMax = std::numeric_limits<Int>::max();
    bool in_range;
    if (value->is_number_unsigned()) {
      in_range = value->get<uint64_t>() <= static_cast<uint64_t>(kMax);
    } else {
      const int64_t v = value->get<int64_t>();
      in_range = v >= static_cast<int64_t>(kMin) && v <= static_cast<int64_t>(kMax);
    }
    if (!in_range) {
      errors_->Add(field, absl::StrCat("must be an integer in [", kMin, ", ", kMax,
                                       "], got ", Describe(*value)));
      return;
    }
    *out = static_cast<Int>(value->is_number_unsigned()
                                ? static_cast<int64_t>(value->get<uint64_t>())
                                : value->get<int64_t>());
  }

  void Number(const Json& object, const char* key, const std::string& path,
              double* out) {
    const Json* value = Find(object, key);
    if (value == nullptr) return;
    if (!value->is_number()) {
      Mistyped(KeyPath(path, key), "a number", *value);
      return;
    }
    *out = value->get<double>();
  }

  // Reads a string naming one of `values` (in enum order, index = value).
  template <typename Enum, size_t N>
  void Enumerated(const Json& object, const char* key, const std::string& path,
                  const std::pair<const char*, Enum> (&values)[N], Enum* out) {
    const Json* value = Find(object, key);
    if (value == nullptr) return;
    std::vector<std::string> names;
    for (const auto& [name, unused] : values)
      names.push_back(absl::StrCat("\"", name, "\""));
    const std::string expected = absl::StrCat("one of ", absl::StrJoin(names, ", "));
    if (value->is_string()) {
      const std::string text = value->get<std::string>();
      for (const auto& [name, enum_value] : values) {
        if (text == name) {
          *out = enum_value;
          return;
        }
      }
    }
    errors_->Add(KeyPath(path, key),
                 absl::StrCat("must be ", expected, ", got ", Describe(*value)));
  }

 private:
  static const Json* Find(const Json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  void Mistyped(const std::string& path, absl::string_view expected,
                const Json& value) {
    errors_->Add(path, absl::StrCat("must be ", expected, ", got ", Describe(value)));
  }

  ErrorList* errors_;
};

constexpr std::pair<const char*, v1::MetricSemantics> kSemantics[] = {
    {"flink", v1::METRIC_SEMANTICS_FLINK},
    {"timely", v1::METRIC_SEMANTICS_TIMELY},
};

constexpr std::pair<const char*, v1::OperatorKind> kKinds[] = {
    {"source", v1::OPERATOR_KIND_SOURCE},
    {"map", v1::OPERATOR_KIND_MAP},
    {"filter", v1::OPERATOR_KIND_FILTER},
    {"flat_map", v1::OPERATOR_KIND_FLAT_MAP},
    {"keyed_aggregate", v1::OPERATOR_KIND_KEYED_AGGREGATE},
    {"window_aggregate", v1::OPERATOR_KIND_WINDOW_AGGREGATE},
    {"join", v1::OPERATOR_KIND_JOIN},
    {"process", v1::OPERATOR_KIND_PROCESS},
    {"sink", v1::OPERATOR_KIND_SINK},
};

constexpr std::pair<const char*, v1::Partitioning> kPartitionings[] = {
    {"forward", v1::PARTITIONING_FORWARD},
    {"rebalance", v1::PARTITIONING_REBALANCE},
    {"hash", v1::PARTITIONING_HASH},
    {"broadcast", v1::PARTITIONING_BROADCAST},
};

void ReadOperator(Reader& r, const Json& value, const std::string& path,
                  OperatorSpec* op) {
  if (!r.CheckObject(value, path,
                     {{"id", true},
                      {"kind", true},
                      {"capacity", true},
                      {"selectivity", false},
                      {"contention", false},
                      {"hot_key_share", false},
                      {"parallelism", false},
                      {"max_parallelism", false}})) {
    return;
  }
  r.String(value, "id", path, &op->id);
  r.Enumerated(value, "kind", path, kKinds, &op->kind);
  r.Number(value, "capacity", path, &op->capacity);
  op->selectivity = op->kind == v1::OPERATOR_KIND_SINK ? 0 : 1;
  r.Number(value, "selectivity", path, &op->selectivity);
  r.Number(value, "contention", path, &op->contention);
  r.Number(value, "hot_key_share", path, &op->hot_key_share);
  r.Integer(value, "parallelism", path, &op->parallelism);
  r.Integer(value, "max_parallelism", path, &op->max_parallelism);
}

void ReadEdge(Reader& r, const Json& value, const std::string& path, EdgeSpec* edge) {
  if (!r.CheckObject(value, path,
                     {{"from", true},
                      {"to", true},
                      {"partitioning", true},
                      {"fraction", false}})) {
    return;
  }
  r.String(value, "from", path, &edge->from);
  r.String(value, "to", path, &edge->to);
  r.Enumerated(value, "partitioning", path, kPartitionings, &edge->partitioning);
  r.Number(value, "fraction", path, &edge->fraction);
}

void ReadStep(Reader& r, const Json& value, const std::string& path, RateStep* step) {
  if (!r.CheckObject(value, path,
                     {{"at_s", true}, {"rate", true}, {"ramp_s", false}})) {
    return;
  }
  r.Integer(value, "at_s", path, &step->at_s);
  r.Number(value, "rate", path, &step->rate);
  r.Integer(value, "ramp_s", path, &step->ramp_s);
}

// Calls `read` for every element of the array `value`.
template <typename T, typename ReadFn>
void ReadArray(ErrorList* errors, const Json& value, const std::string& path,
               std::vector<T>* out, ReadFn read) {
  if (!value.is_array()) {
    errors->Add(path, absl::StrCat("must be an array, got ", TypeName(value)));
    return;
  }
  out->resize(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    read(value[i], IndexPath(path, i), &(*out)[i]);
  }
}

void ReadWorkload(const Json& root, ErrorList* errors, Workload* w) {
  Reader r(errors);
  if (!r.CheckObject(root, "",
                     {{"name", true},
                      {"semantics", true},
                      {"duration_s", true},
                      {"seed", true},
                      {"noise_sd", false},
                      {"decision_interval_s", false},
                      {"metrics_window_s", false},
                      {"restart_downtime_s", false},
                      {"lag_slo_s", false},
                      {"catch_up_s", false},
                      {"operators", true},
                      {"edges", true},
                      {"sources", true}})) {
    return;
  }
  r.String(root, "name", "", &w->name);
  r.Enumerated(root, "semantics", "", kSemantics, &w->semantics);
  r.Integer(root, "duration_s", "", &w->duration_s);
  r.Integer(root, "seed", "", &w->seed);
  r.Number(root, "noise_sd", "", &w->noise_sd);
  r.Integer(root, "decision_interval_s", "", &w->decision_interval_s);
  r.Integer(root, "metrics_window_s", "", &w->metrics_window_s);
  w->restart_downtime_s = w->semantics == v1::METRIC_SEMANTICS_TIMELY ? 5 : 30;
  r.Integer(root, "restart_downtime_s", "", &w->restart_downtime_s);
  r.Integer(root, "lag_slo_s", "", &w->lag_slo_s);
  r.Integer(root, "catch_up_s", "", &w->catch_up_s);
  if (root.contains("operators")) {
    ReadArray(errors, root.at("operators"), "operators", &w->operators,
              [&](const Json& v, const std::string& path, OperatorSpec* op) {
                ReadOperator(r, v, path, op);
              });
  }
  if (root.contains("edges")) {
    ReadArray(errors, root.at("edges"), "edges", &w->edges,
              [&](const Json& v, const std::string& path, EdgeSpec* edge) {
                ReadEdge(r, v, path, edge);
              });
  }
  if (root.contains("sources")) {
    const Json& sources = root.at("sources");
    if (!sources.is_object()) {
      errors->Add("sources",
                  absl::StrCat("must be an object, got ", TypeName(sources)));
      return;
    }
    for (const auto& [id, trace] : sources.items()) {
      ReadArray(errors, trace, KeyPath("sources", id), &w->sources[id],
                [&](const Json& v, const std::string& path, RateStep* step) {
                  ReadStep(r, v, path, step);
                });
    }
  }
}

// Tracks the JSON path while nlohmann's parser runs, to report duplicate keys
// (which the parser would otherwise resolve silently, last one wins).
class DuplicateKeyDetector {
 public:
  explicit DuplicateKeyDetector(ErrorList* errors) : errors_(errors) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start: {
        Frame frame;
        frame.path = frames_.empty() ? std::string() : ChildPath(frames_.back());
        frame.is_array = event == Json::parse_event_t::array_start;
        frames_.push_back(std::move(frame));
        break;
      }
      case Json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.last_key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.last_key).second) {
          errors_->Add(KeyPath(frame.path, frame.last_key), "duplicate key");
        }
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        if (!frames_.empty() && frames_.back().is_array) ++frames_.back().count;
        break;
      case Json::parse_event_t::value:
        if (!frames_.empty() && frames_.back().is_array) ++frames_.back().count;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    std::string path;
    bool is_array = false;
    size_t count = 0;  // Arrays: elements completed so far.
    std::string last_key;
    std::set<std::string> keys;
  };

  static std::string ChildPath(const Frame& frame) {
    return frame.is_array ? IndexPath(frame.path, frame.count)
                          : KeyPath(frame.path, frame.last_key);
  }

  ErrorList* errors_;
  std::vector<Frame> frames_;
};

// Integral values are written as JSON integers ("capacity": 40000, not
// 40000.0); everything else with nlohmann's shortest round-trip form.
nlohmann::ordered_json JsonNumber(double value) {
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (std::isfinite(value) && value == std::floor(value) &&
      std::fabs(value) < kExactIntegers) {
    return static_cast<int64_t>(value);
  }
  return value;
}

}  // namespace

absl::StatusOr<Workload> ParseWorkload(absl::string_view json_text,
                                       absl::string_view source_name) {
  ErrorList errors;
  Json root;
  try {
    root =
        Json::parse(json_text.begin(), json_text.end(), DuplicateKeyDetector(&errors));
  } catch (const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line ...".
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    ErrorList syntax;
    syntax.Add("", absl::StrCat("invalid JSON: ", what));
    return syntax.ToStatus(source_name);
  }
  Workload workload;
  if (errors.empty()) ReadWorkload(root, &errors, &workload);
  if (!errors.empty()) return errors.ToStatus(source_name);
  absl::Status valid = ValidateWorkload(workload);
  if (!valid.ok()) {
    if (source_name.empty()) return valid;
    return absl::InvalidArgumentError(
        absl::StrCat(valid.message(), " (in ", source_name, ")"));
  }
  return workload;
}

absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read workload file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::NotFoundError(absl::StrCat("cannot read workload file ", path));
  }
  return ParseWorkload(text.str(), path);
}

std::string WorkloadToJson(const Workload& w) {
  using Ordered = nlohmann::ordered_json;
  Ordered root;
  root["name"] = w.name;
  root["semantics"] = std::string(SemanticsName(w.semantics));
  root["duration_s"] = w.duration_s;
  root["seed"] = w.seed;
  root["noise_sd"] = JsonNumber(w.noise_sd);
  root["decision_interval_s"] = w.decision_interval_s;
  root["metrics_window_s"] = w.metrics_window_s;
  root["restart_downtime_s"] = w.restart_downtime_s;
  root["lag_slo_s"] = w.lag_slo_s;
  root["catch_up_s"] = w.catch_up_s;
  Ordered operators = Ordered::array();
  for (const OperatorSpec& op : w.operators) {
    Ordered o;
    o["id"] = op.id;
    o["kind"] = std::string(OperatorKindName(op.kind));
    o["capacity"] = JsonNumber(op.capacity);
    const double default_selectivity = op.kind == v1::OPERATOR_KIND_SINK ? 0 : 1;
    if (op.selectivity != default_selectivity) {
      o["selectivity"] = JsonNumber(op.selectivity);
    }
    if (op.contention != 0) o["contention"] = JsonNumber(op.contention);
    if (op.hot_key_share != 0) o["hot_key_share"] = JsonNumber(op.hot_key_share);
    o["parallelism"] = op.parallelism;
    if (op.max_parallelism != kDefaultMaxParallelism) {
      o["max_parallelism"] = op.max_parallelism;
    }
    operators.push_back(std::move(o));
  }
  root["operators"] = std::move(operators);
  Ordered edges = Ordered::array();
  for (const EdgeSpec& edge : w.edges) {
    Ordered e;
    e["from"] = edge.from;
    e["to"] = edge.to;
    e["partitioning"] = std::string(PartitioningName(edge.partitioning));
    if (edge.fraction != 1) e["fraction"] = JsonNumber(edge.fraction);
    edges.push_back(std::move(e));
  }
  root["edges"] = std::move(edges);
  // Traces in operator order (then any trace of an unknown id), so the file
  // reads in the same order as the DAG.
  Ordered sources = Ordered::object();
  auto add_trace = [&](const std::string& id, const std::vector<RateStep>& steps) {
    Ordered trace = Ordered::array();
    for (const RateStep& step : steps) {
      Ordered s;
      s["at_s"] = step.at_s;
      s["rate"] = JsonNumber(step.rate);
      if (step.ramp_s != 0) s["ramp_s"] = step.ramp_s;
      trace.push_back(std::move(s));
    }
    sources[id] = std::move(trace);
  };
  for (const OperatorSpec& op : w.operators) {
    auto it = w.sources.find(op.id);
    if (it != w.sources.end() && !sources.contains(op.id)) {
      add_trace(it->first, it->second);
    }
  }
  for (const auto& [id, steps] : w.sources) {
    if (!sources.contains(id)) add_trace(id, steps);
  }
  root["sources"] = std::move(sources);
  return root.dump(2) + "\n";
}

}  // namespace streamtune::sim
