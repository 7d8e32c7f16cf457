#include "client/flink/flink_operator_kinds.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "re2/re2.h"

namespace streamtune::flink {
namespace {

using nlohmann::json;

absl::Status Invalid(absl::string_view where, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

// File names of the kinds: the enum's names without OPERATOR_KIND_,
// lower-cased ("flat_map"), and "unknown" for UNSPECIFIED.
constexpr absl::string_view kKindPrefix = "OPERATOR_KIND_";
constexpr absl::string_view kUnknown = "unknown";

std::optional<v1::OperatorKind> KindNamed(const std::string& name) {
  if (name == kUnknown) return v1::OPERATOR_KIND_UNSPECIFIED;
  v1::OperatorKind kind;
  if (name == "unspecified" ||
      !v1::OperatorKind_Parse(absl::StrCat(kKindPrefix, absl::AsciiStrToUpper(name)),
                              &kind)) {
    return std::nullopt;
  }
  return kind;
}

std::string KindNames() {
  std::vector<std::string> names;
  for (int k = v1::OperatorKind_MIN + 1; k <= v1::OperatorKind_MAX; ++k) {
    if (v1::OperatorKind_IsValid(k)) {
      names.push_back(OperatorKindName(static_cast<v1::OperatorKind>(k)));
    }
  }
  names.emplace_back(kUnknown);
  return absl::StrJoin(names, ", ");
}

// The mapping table of docs/engines.md: how Flink names an operator by
// default (DataStream API and Table/SQL planner, 1.20), lower-cased, as a
// prefix of the operator's name or a word in it. First match wins within one
// operator.
struct Strategy {
  absl::string_view text;
  bool prefix;  // Else anywhere in the name.
  v1::OperatorKind kind;
};
constexpr Strategy kStrategies[] = {
    {"source:", true, v1::OPERATOR_KIND_SOURCE},
    {"sink:", true, v1::OPERATOR_KIND_SINK},
    {"sink", true, v1::OPERATOR_KIND_SINK},      // SQL "Sink(table=[...])".
    {"join", false, v1::OPERATOR_KIND_JOIN},     // Join(, IntervalJoin(, LookupJoin(
    {"cogroup", false, v1::OPERATOR_KIND_JOIN},  // Window(..., CoGroupWindowFunction)
    {"window(", true, v1::OPERATOR_KIND_WINDOW_AGGREGATE},
    {"windowaggregate(", false, v1::OPERATOR_KIND_WINDOW_AGGREGATE},
    {"keyedprocess", true, v1::OPERATOR_KIND_KEYED_AGGREGATE},
    {"keyed reduce", true, v1::OPERATOR_KIND_KEYED_AGGREGATE},
    {"keyed aggregation", true, v1::OPERATOR_KIND_KEYED_AGGREGATE},
    {"groupaggregate(", false, v1::OPERATOR_KIND_KEYED_AGGREGATE},
    {"flat map", true, v1::OPERATOR_KIND_FLAT_MAP},
    {"flatmap", true, v1::OPERATOR_KIND_FLAT_MAP},
    {"filter", true, v1::OPERATOR_KIND_FILTER},
    {"map", true, v1::OPERATOR_KIND_MAP},
    {"calc(", true, v1::OPERATOR_KIND_MAP},
    {"process", true, v1::OPERATOR_KIND_PROCESS},
};

// Most specific first: the order of KindFromDescription's comment.
int Specificity(v1::OperatorKind kind) {
  constexpr v1::OperatorKind kOrder[] = {v1::OPERATOR_KIND_SOURCE,
                                         v1::OPERATOR_KIND_SINK,
                                         v1::OPERATOR_KIND_JOIN,
                                         v1::OPERATOR_KIND_WINDOW_AGGREGATE,
                                         v1::OPERATOR_KIND_KEYED_AGGREGATE,
                                         v1::OPERATOR_KIND_FLAT_MAP,
                                         v1::OPERATOR_KIND_FILTER,
                                         v1::OPERATOR_KIND_MAP,
                                         v1::OPERATOR_KIND_PROCESS};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (kOrder[i] == kind) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

std::optional<v1::OperatorKind> KindOfOperatorName(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (const Strategy& s : kStrategies) {
    if (s.prefix ? absl::StartsWith(lower, s.text) : absl::StrContains(lower, s.text)) {
      return s.kind;
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ParsePlanDescriptions(
    absl::string_view text) {
  json parsed =
      json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Invalid("$", "not JSON");
  auto plan = parsed.is_object() ? parsed.find("plan") : parsed.end();
  if (plan == parsed.end() || !plan->is_object()) {
    return Invalid("$.plan", "missing or not an object");
  }
  auto nodes = plan->find("nodes");
  if (nodes == plan->end() || !nodes->is_array()) {
    return Invalid("$.plan.nodes", "missing or not an array");
  }
  absl::flat_hash_map<std::string, std::string> out;
  for (size_t i = 0; i < nodes->size(); ++i) {
    const json& node = (*nodes)[i];
    const std::string path = absl::StrCat("$.plan.nodes[", i, "]");
    if (!node.is_object()) return Invalid(path, "not an object");
    auto id = node.find("id");
    if (id == node.end() || !id->is_string()) {
      return Invalid(path + ".id", "missing or not a string");
    }
    auto description = node.find("description");
    if (description == node.end()) continue;  // Nothing said: unknown.
    if (!description->is_string())
      return Invalid(path + ".description", "not a string");
    out[id->get<std::string>()] = description->get<std::string>();
  }
  return out;
}

std::optional<v1::OperatorKind> KindFromDescription(absl::string_view description) {
  std::optional<v1::OperatorKind> best;
  for (absl::string_view line : absl::StrSplit(description, "<br/>")) {
    line = absl::StripAsciiWhitespace(line);
    // Chained operators: "+- Map", ":- Filter" (Flink's tree drawing).
    while (absl::ConsumePrefix(&line, "+-") || absl::ConsumePrefix(&line, ":-") ||
           absl::ConsumePrefix(&line, "|")) {
      line = absl::StripLeadingAsciiWhitespace(line);
    }
    const std::optional<v1::OperatorKind> kind = KindOfOperatorName(line);
    if (kind.has_value() &&
        (!best.has_value() || Specificity(*kind) < Specificity(*best))) {
      best = kind;
    }
  }
  return best;
}

absl::StatusOr<OperatorKindOverrides> OperatorKindOverrides::Parse(
    absl::string_view text, absl::string_view file_name) {
  OperatorKindOverrides out;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    const std::string where = absl::StrCat(file_name, ":", number);
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    // The last " = " splits: a regex may contain "=".
    const size_t eq = line.rfind('=');
    if (eq == absl::string_view::npos) {
      return Invalid(
          where, absl::StrCat("expected \"name-regex = kind\", got \"", line, "\""));
    }
    const absl::string_view pattern = absl::StripAsciiWhitespace(line.substr(0, eq));
    const std::string kind_name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (pattern.empty()) return Invalid(where, "empty name regex before \"=\"");
    const std::optional<v1::OperatorKind> kind = KindNamed(kind_name);
    if (!kind.has_value()) {
      return Invalid(where, absl::StrCat("unknown kind \"", kind_name, "\" (one of ",
                                         KindNames(), ")"));
    }
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(
        re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!regex->ok()) {
      return Invalid(where,
                     absl::StrCat("bad regex \"", pattern, "\": ", regex->error()));
    }
    out.rules_.push_back(Rule{std::move(regex), *kind, number});
  }
  return out;
}

absl::StatusOr<OperatorKindOverrides> OperatorKindOverrides::Load(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<OperatorKindOverrides::Match> OperatorKindOverrides::Find(
    absl::string_view vertex_name) const {
  const re2::StringPiece name(vertex_name.data(), vertex_name.size());
  for (const Rule& rule : rules_) {
    if (RE2::PartialMatch(name, *rule.regex)) return Match{rule.kind, rule.line};
  }
  return std::nullopt;
}

ResolvedKind ResolveOperatorKind(absl::string_view vertex_name,
                                 absl::string_view description, bool has_inputs,
                                 bool has_outputs, bool has_hash_input,
                                 const OperatorKindOverrides* overrides) {
  auto fits = [&](v1::OperatorKind kind) {
    return !(kind == v1::OPERATOR_KIND_SOURCE && has_inputs) &&
           !(kind == v1::OPERATOR_KIND_SINK && has_outputs);
  };
  if (overrides != nullptr) {
    if (auto match = overrides->Find(vertex_name);
        match.has_value() && fits(match->kind)) {
      return {match->kind, absl::StrCat("override line ", match->line)};
    }
  }
  if (auto kind = KindFromDescription(description); kind.has_value() && fits(*kind)) {
    return {*kind, "plan"};
  }
  if (!has_inputs) return {v1::OPERATOR_KIND_SOURCE, "topology"};
  if (!has_outputs) return {v1::OPERATOR_KIND_SINK, "topology"};
  if (has_hash_input) return {v1::OPERATOR_KIND_KEYED_AGGREGATE, "topology"};
  return {v1::OPERATOR_KIND_UNSPECIFIED, "unknown"};
}

std::string OperatorKindName(v1::OperatorKind kind) {
  if (kind == v1::OPERATOR_KIND_UNSPECIFIED) return std::string(kUnknown);
  absl::string_view name = v1::OperatorKind_Name(kind);
  if (name.empty()) return absl::StrCat("kind ", static_cast<int>(kind));
  absl::ConsumePrefix(&name, kKindPrefix);
  return absl::AsciiStrToLower(name);
}

}  // namespace streamtune::flink
