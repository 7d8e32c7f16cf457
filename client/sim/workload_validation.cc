// ValidateWorkload: value ranges, ids, the DAG and the rate traces of a
// Workload, with the JSON path of every offending value in its message.
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/sim/error_list.h"
#include "client/sim/workload.h"

namespace streamtune::sim {
namespace {

constexpr absl::string_view kIdExtraChars = "._:/-";

// The same identifier rules as the server's snapshot validation, so that a
// workload's name and operator ids are valid job and operator ids.
void CheckIdentifier(absl::string_view value, const std::string& path,
                     ErrorList* errors) {
  if (value.empty()) {
    errors->Add(path, "required");
    return;
  }
  if (value.size() > 256) {
    errors->Add(path, absl::StrCat("longer than 256 characters (", value.size(), ")"));
    return;
  }
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') ||
                    kIdExtraChars.find(c) != absl::string_view::npos;
    if (!ok) {
      errors->Add(
          path, absl::StrFormat("character '%c' is not allowed (use [A-Za-z0-9%s])", c,
                                kIdExtraChars));
      return;
    }
  }
}

void CheckInt(int64_t value, const std::string& path, int64_t lo, int64_t hi,
              ErrorList* errors) {
  if (value < lo) {
    errors->Add(path, lo == 1 ? absl::StrCat("must be > 0, got ", value)
                              : absl::StrCat("must be >= ", lo, ", got ", value));
  } else if (value > hi) {
    errors->Add(path, absl::StrCat("must be <= ", hi, ", got ", value));
  }
}

bool CheckFinite(double value, const std::string& path, ErrorList* errors) {
  if (std::isfinite(value)) return true;
  errors->Add(path, absl::StrCat("must be finite, got ", value));
  return false;
}

void CheckPositive(double value, const std::string& path, ErrorList* errors) {
  if (CheckFinite(value, path, errors) && !(value > 0)) {
    errors->Add(path, absl::StrCat("must be > 0, got ", value));
  }
}

void CheckNonNegative(double value, const std::string& path, ErrorList* errors) {
  if (CheckFinite(value, path, errors) && value < 0) {
    errors->Add(path, absl::StrCat("must be >= 0, got ", value));
  }
}

void CheckSettings(const Workload& w, ErrorList* errors) {
  CheckIdentifier(w.name, "name", errors);
  if (w.semantics != v1::METRIC_SEMANTICS_FLINK &&
      w.semantics != v1::METRIC_SEMANTICS_TIMELY) {
    errors->Add("semantics", "must be \"flink\" or \"timely\"");
  }
  CheckInt(w.duration_s, "duration_s", 1, kMaxDurationS, errors);
  if (CheckFinite(w.noise_sd, "noise_sd", errors) &&
      !(w.noise_sd >= 0 && w.noise_sd <= 1)) {
    errors->Add("noise_sd", absl::StrCat("must be in [0, 1], got ", w.noise_sd));
  }
  CheckInt(w.decision_interval_s, "decision_interval_s", 1, kMaxDurationS, errors);
  CheckInt(w.metrics_window_s, "metrics_window_s", 1, kMaxMetricsWindowS, errors);
  CheckInt(w.restart_downtime_s, "restart_downtime_s", 1, kMaxDurationS, errors);
  CheckInt(w.lag_slo_s, "lag_slo_s", 1, kMaxDurationS, errors);
  CheckInt(w.catch_up_s, "catch_up_s", 1, kMaxDurationS, errors);
}

// Checks operators one by one; fills `index` with id -> first position.
void CheckOperators(const Workload& w, ErrorList* errors,
                    std::map<std::string, int>* index) {
  if (w.operators.empty()) {
    errors->Add("operators", "at least one operator is required");
    return;
  }
  if (w.operators.size() > static_cast<size_t>(kMaxOperators)) {
    errors->Add("operators",
                absl::StrCat(w.operators.size(), " operators exceed the limit of ",
                             kMaxOperators));
  }
  bool any_source = false;
  for (size_t i = 0; i < w.operators.size(); ++i) {
    const OperatorSpec& op = w.operators[i];
    const std::string path = IndexPath("operators", i);
    CheckIdentifier(op.id, KeyPath(path, "id"), errors);
    auto [it, inserted] = index->emplace(op.id, static_cast<int>(i));
    if (!inserted) {
      errors->Add(KeyPath(path, "id"),
                  absl::StrFormat("duplicate id \"%s\" (also operators[%d])", op.id,
                                  it->second));
    }
    if (OperatorKindName(op.kind) == "unspecified") {
      errors->Add(KeyPath(path, "kind"), "required");
    }
    any_source = any_source || op.kind == v1::OPERATOR_KIND_SOURCE;
    CheckPositive(op.capacity, KeyPath(path, "capacity"), errors);
    CheckNonNegative(op.selectivity, KeyPath(path, "selectivity"), errors);
    CheckNonNegative(op.contention, KeyPath(path, "contention"), errors);
    const std::string hot = KeyPath(path, "hot_key_share");
    if (CheckFinite(op.hot_key_share, hot, errors) &&
        !(op.hot_key_share >= 0 && op.hot_key_share < 1)) {
      errors->Add(hot, absl::StrCat("must be in [0, 1), got ", op.hot_key_share));
    }
    CheckInt(op.max_parallelism, KeyPath(path, "max_parallelism"), 1,
             kMaxParallelismLimit, errors);
    if (op.parallelism < 1 || op.parallelism > op.max_parallelism) {
      errors->Add(KeyPath(path, "parallelism"),
                  absl::StrCat("must be in [1, max_parallelism=", op.max_parallelism,
                               "], got ", op.parallelism));
    }
  }
  if (!any_source) {
    errors->Add("operators", "at least one operator of kind \"source\" is required");
  }
}

// Checks edges one by one and returns the (from, to) indices of the usable
// ones; `ok` is false when an edge names an unknown operator or loops.
std::vector<std::pair<int, int>> CheckEdges(const Workload& w,
                                            const std::map<std::string, int>& index,
                                            ErrorList* errors, bool* ok) {
  *ok = true;
  std::vector<std::pair<int, int>> endpoints;
  if (w.edges.size() > static_cast<size_t>(kMaxEdges)) {
    errors->Add("edges",
                absl::StrCat(w.edges.size(), " edges exceed the limit of ", kMaxEdges));
  }
  std::map<std::pair<int, int>, size_t> seen;
  for (size_t e = 0; e < w.edges.size(); ++e) {
    const EdgeSpec& edge = w.edges[e];
    const std::string path = IndexPath("edges", e);
    auto from = index.find(edge.from);
    auto to = index.find(edge.to);
    if (from == index.end()) {
      errors->Add(KeyPath(path, "from"),
                  absl::StrFormat("unknown operator \"%s\"", edge.from));
    }
    if (to == index.end()) {
      errors->Add(KeyPath(path, "to"),
                  absl::StrFormat("unknown operator \"%s\"", edge.to));
    }
    if (PartitioningName(edge.partitioning) == "unspecified") {
      errors->Add(KeyPath(path, "partitioning"), "required");
    }
    const std::string fraction = KeyPath(path, "fraction");
    if (CheckFinite(edge.fraction, fraction, errors) &&
        !(edge.fraction > 0 && edge.fraction <= 1)) {
      errors->Add(fraction, absl::StrCat("must be in (0, 1], got ", edge.fraction));
    }
    if (from == index.end() || to == index.end()) {
      *ok = false;
      continue;
    }
    if (from->second == to->second) {
      errors->Add(path, absl::StrFormat("self-loop on \"%s\"", edge.from));
      *ok = false;
      continue;
    }
    auto [it, inserted] = seen.emplace(std::make_pair(from->second, to->second), e);
    if (!inserted) {
      errors->Add(path,
                  absl::StrFormat("duplicate edge \"%s\" -> \"%s\" (also edges[%d])",
                                  edge.from, edge.to, it->second));
    }
    if (w.operators[to->second].kind == v1::OPERATOR_KIND_SOURCE) {
      errors->Add(
          KeyPath(path, "to"),
          absl::StrFormat("\"%s\" is a source and cannot have inputs", edge.to));
    }
    if (w.operators[from->second].kind == v1::OPERATOR_KIND_SINK) {
      errors->Add(
          KeyPath(path, "from"),
          absl::StrFormat("\"%s\" is a sink and cannot have outputs", edge.from));
    }
    endpoints.emplace_back(from->second, to->second);
  }
  return endpoints;
}

// Kahn's algorithm, then a reachability walk from the sources.
void CheckGraph(const Workload& w, const std::vector<std::pair<int, int>>& endpoints,
                ErrorList* errors) {
  const int n = static_cast<int>(w.operators.size());
  std::vector<int> in_degree(n, 0);
  std::vector<std::vector<int>> out(n);
  for (const auto& [from, to] : endpoints) {
    ++in_degree[to];
    out[from].push_back(to);
  }
  std::vector<int> remaining = in_degree;
  std::vector<int> ready;
  for (int i = 0; i < n; ++i) {
    if (remaining[i] == 0) ready.push_back(i);
  }
  int visited = 0;
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    ++visited;
    for (int next : out[v]) {
      if (--remaining[next] == 0) ready.push_back(next);
    }
  }
  if (visited < n) {
    for (size_t e = 0; e < endpoints.size(); ++e) {
      const auto& [from, to] = endpoints[e];
      if (remaining[from] > 0 && remaining[to] > 0) {
        errors->Add(IndexPath("edges", e),
                    absl::StrFormat("closes a cycle (\"%s\" -> \"%s\"); the "
                                    "operator graph must be a DAG",
                                    w.operators[from].id, w.operators[to].id));
        return;
      }
    }
    errors->Add("edges", "the operator graph has a cycle");
    return;
  }
  std::vector<bool> reached(n, false);
  std::vector<int> stack;
  for (int i = 0; i < n; ++i) {
    if (w.operators[i].kind == v1::OPERATOR_KIND_SOURCE) {
      reached[i] = true;
      stack.push_back(i);
    }
  }
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    for (int next : out[v]) {
      if (!reached[next]) {
        reached[next] = true;
        stack.push_back(next);
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    if (!reached[i]) {
      errors->Add(IndexPath("operators", i),
                  absl::StrFormat("\"%s\" is not reachable from any source",
                                  w.operators[i].id));
    }
  }
}

void CheckTrace(const Workload& w, const std::string& path,
                const std::vector<RateStep>& steps, ErrorList* errors) {
  if (steps.empty()) {
    errors->Add(path, "must have at least one step");
    return;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const RateStep& step = steps[i];
    const std::string step_path = IndexPath(path, i);
    const std::string at = KeyPath(step_path, "at_s");
    if (i == 0) {
      if (step.at_s != 0) {
        errors->Add(at, absl::StrCat("the first step must be at 0, got ", step.at_s));
      }
    } else {
      const RateStep& previous = steps[i - 1];
      const int64_t ramp_end =
          static_cast<int64_t>(previous.at_s) + std::max(previous.ramp_s, 0);
      if (step.at_s <= previous.at_s) {
        errors->Add(at, absl::StrCat("must be > ", previous.at_s,
                                     " (steps are sorted by at_s), got ", step.at_s));
      } else if (step.at_s < ramp_end) {
        errors->Add(at, absl::StrCat("must be >= ", ramp_end,
                                     " (the previous step's ramp ends there), got ",
                                     step.at_s));
      }
    }
    if (step.at_s >= w.duration_s && w.duration_s > 0 && i > 0) {
      errors->Add(at, absl::StrCat("must be < duration_s (", w.duration_s, "), got ",
                                   step.at_s));
    }
    CheckPositive(step.rate, KeyPath(step_path, "rate"), errors);
    const std::string ramp = KeyPath(step_path, "ramp_s");
    // No ramp outlasts the longest run; the bound also keeps at_s + ramp_s,
    // the ramp's end, within int wherever it is computed (docs/fuzzing.md).
    if (step.ramp_s < 0 || step.ramp_s > kMaxDurationS) {
      CheckInt(step.ramp_s, ramp, 0, kMaxDurationS, errors);
    } else if (step.ramp_s > 0 && i == 0) {
      errors->Add(ramp, "the first step has no previous rate to ramp from");
    }
  }
}

void CheckSources(const Workload& w, const std::map<std::string, int>& index,
                  ErrorList* errors) {
  for (const auto& [id, steps] : w.sources) {
    const std::string path = KeyPath("sources", id);
    auto it = index.find(id);
    if (it == index.end()) {
      errors->Add(path, absl::StrFormat("unknown operator \"%s\"", id));
    } else if (w.operators[it->second].kind != v1::OPERATOR_KIND_SOURCE) {
      errors->Add(path,
                  absl::StrFormat("\"%s\" is not a source operator (kind \"%s\")", id,
                                  OperatorKindName(w.operators[it->second].kind)));
    }
    CheckTrace(w, path, steps, errors);
  }
  for (const OperatorSpec& op : w.operators) {
    if (op.kind == v1::OPERATOR_KIND_SOURCE && !op.id.empty() &&
        w.sources.count(op.id) == 0) {
      errors->Add(KeyPath("sources", op.id),
                  absl::StrFormat("required: source operator \"%s\" has no "
                                  "rate trace",
                                  op.id));
    }
  }
}

}  // namespace

absl::Status ValidateWorkload(const Workload& workload) {
  ErrorList errors;
  CheckSettings(workload, &errors);
  std::map<std::string, int> index;
  CheckOperators(workload, &errors, &index);
  bool edges_ok = false;
  const std::vector<std::pair<int, int>> endpoints =
      CheckEdges(workload, index, &errors, &edges_ok);
  // Cycle and reachability errors would only echo a broken edge list.
  if (edges_ok && !workload.operators.empty()) {
    CheckGraph(workload, endpoints, &errors);
  }
  CheckSources(workload, index, &errors);
  return errors.ToStatus();
}

}  // namespace streamtune::sim
