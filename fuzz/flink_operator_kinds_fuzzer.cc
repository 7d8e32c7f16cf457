// Fuzzes how the Flink client names a vertex's kind (client/flink/
// flink_operator_kinds.h): the job plan's node descriptions, the user's
// override file (`name-regex = kind` lines) and the resolution of both with
// the topology. Properties:
//  - ParsePlanDescriptions answers a map or INVALID_ARGUMENT naming a `$`
//    path; the map holds exactly the string descriptions the JSON gives
//    (the last node of an id wins);
//  - KindFromDescription is deterministic, answers nullopt or a valid kind
//    other than UNSPECIFIED, ignores the ASCII case of operator names, and
//    equals the most specific of what its "<br/>"-separated operators say
//    one at a time;
//  - OperatorKindOverrides::Parse answers rules or INVALID_ARGUMENT
//    "kinds.txt:<line>: ...", the line within the file, every line before
//    it parsing alone, and that line alone (at the same number) failing the
//    same way; Find answers the first rule (by line) whose regex matches,
//    with a valid kind, deterministically (RE2: linear in the name, so
//    every pattern and name is checked);
//  - ResolveOperatorKind gives a valid kind, never a source with inputs nor
//    a sink with outputs, says where the kind came from, and "plan" only
//    when it is KindFromDescription's answer;
//  - every kind's OperatorKindName parses back to it in an override file.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "client/flink/flink_operator_kinds.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"

namespace streamtune::flink {
namespace {

constexpr absl::string_view kFileName = "kinds.txt";

std::string KindText(std::optional<v1::OperatorKind> kind) {
  return kind.has_value() ? OperatorKindName(*kind) : std::string("nullopt");
}

bool ValidKind(v1::OperatorKind kind) { return v1::OperatorKind_IsValid(kind); }

// The order of KindFromDescription's comment, most specific first.
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
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (kOrder[i] == kind) return i;
  }
  FUZZ_REQUIRE(false, "KindFromDescription answered " + OperatorKindName(kind));
  return -1;
}

std::optional<v1::OperatorKind> CheckDescription(absl::string_view description) {
  const std::optional<v1::OperatorKind> kind = KindFromDescription(description);
  FUZZ_REQUIRE(
      !kind.has_value() || (ValidKind(*kind) && *kind != v1::OPERATOR_KIND_UNSPECIFIED),
      KindText(kind));
  FUZZ_REQUIRE(KindFromDescription(description) == kind, "deterministic");
  // Flink's names are matched without regard to ASCII case: the same
  // description with each operator's name upper-cased (the "<br/>"
  // separators kept; lower-casing could make new ones of "<BR/>").
  std::vector<std::string> upper;
  for (absl::string_view line : absl::StrSplit(description, "<br/>")) {
    upper.push_back(absl::AsciiStrToUpper(line));
  }
  FUZZ_REQUIRE(KindFromDescription(absl::StrJoin(upper, "<br/>")) == kind,
               "case: " + KindText(kind));
  // The most specific of the chained operators, each read on its own.
  std::optional<v1::OperatorKind> best;
  for (absl::string_view line : absl::StrSplit(description, "<br/>")) {
    const std::optional<v1::OperatorKind> one = KindFromDescription(line);
    if (one.has_value() &&
        (!best.has_value() || Specificity(*one) < Specificity(*best))) {
      best = one;
    }
  }
  FUZZ_REQUIRE(best == kind, KindText(best) + " vs " + KindText(kind));
  return kind;
}

void CheckResolve(absl::string_view name, absl::string_view description,
                  const OperatorKindOverrides* overrides) {
  const std::optional<v1::OperatorKind> planned = KindFromDescription(description);
  for (int flags = 0; flags < 8; ++flags) {
    const bool has_inputs = flags & 1;
    const bool has_outputs = flags & 2;
    const bool has_hash_input = flags & 4;
    const ResolvedKind r = ResolveOperatorKind(name, description, has_inputs,
                                               has_outputs, has_hash_input, overrides);
    const std::string what = OperatorKindName(r.kind) + " from " + r.source;
    FUZZ_REQUIRE(ValidKind(r.kind), what);
    FUZZ_REQUIRE(!(has_inputs && r.kind == v1::OPERATOR_KIND_SOURCE), what);
    FUZZ_REQUIRE(!(has_outputs && r.kind == v1::OPERATOR_KIND_SINK), what);
    absl::string_view source = r.source;
    if (absl::ConsumePrefix(&source, "override line ")) {
      int line = 0;
      FUZZ_REQUIRE(overrides != nullptr && absl::SimpleAtoi(source, &line), what);
      const std::optional<OperatorKindOverrides::Match> match = overrides->Find(name);
      FUZZ_REQUIRE(match.has_value() && match->line == line && match->kind == r.kind,
                   what);
    } else if (r.source == "plan") {
      FUZZ_REQUIRE(planned.has_value() && *planned == r.kind, what);
    } else if (r.source == "unknown") {
      FUZZ_REQUIRE(r.kind == v1::OPERATOR_KIND_UNSPECIFIED && has_inputs &&
                       has_outputs && !has_hash_input,
                   what);
    } else {
      // No inputs: a source; no outputs: a sink; a HASH input: keyed.
      const v1::OperatorKind topology = !has_inputs ? v1::OPERATOR_KIND_SOURCE
                                        : !has_outputs
                                            ? v1::OPERATOR_KIND_SINK
                                            : v1::OPERATOR_KIND_KEYED_AGGREGATE;
      FUZZ_REQUIRE(r.source == "topology" && r.kind == topology &&
                       (has_hash_input || !has_inputs || !has_outputs),
                   what);
    }
  }
}

void CheckPlan(absl::string_view text) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> descriptions =
      ParsePlanDescriptions(text);
  if (!descriptions.ok()) {
    FUZZ_REQUIRE(descriptions.status().code() == absl::StatusCode::kInvalidArgument &&
                     absl::StartsWith(descriptions.status().message(), "$"),
                 descriptions.status().ToString());
    return;
  }
  // The same text read with nlohmann directly: a string description per
  // node id, the last node of an id winning.
  const nlohmann::json direct =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  FUZZ_REQUIRE(!direct.is_discarded(), "accepted text that is not JSON");
  absl::flat_hash_map<std::string, std::string> expected;
  for (const nlohmann::json& node : direct["plan"]["nodes"]) {
    if (node.contains("description")) {
      expected[node["id"].get<std::string>()] = node["description"].get<std::string>();
    }
  }
  FUZZ_REQUIRE(expected == *descriptions, direct.dump());
  for (const auto& [id, description] : *descriptions) {
    CheckDescription(description);
  }
}

// The text up to a '\0' is the override file; each line after it is a
// vertex name to look up.
void CheckOverrides(absl::string_view input) {
  const size_t nul = input.find('\0');
  const absl::string_view text = input.substr(0, nul);
  const absl::string_view names =
      nul == absl::string_view::npos ? absl::string_view() : input.substr(nul + 1);
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');

  absl::StatusOr<OperatorKindOverrides> overrides =
      OperatorKindOverrides::Parse(text, kFileName);
  if (!overrides.ok()) {
    const std::string message(overrides.status().message());
    FUZZ_REQUIRE(overrides.status().code() == absl::StatusCode::kInvalidArgument,
                 message);
    absl::string_view rest = message;
    int line = 0;
    const size_t colon = rest.find(": ");
    FUZZ_REQUIRE(
        absl::ConsumePrefix(&rest, absl::StrCat(kFileName, ":")) &&
            colon != absl::string_view::npos &&
            absl::SimpleAtoi(rest.substr(0, colon - kFileName.size() - 1), &line),
        message);
    FUZZ_REQUIRE(line >= 1 && line <= static_cast<int>(lines.size()), message);
    // The lines before the bad one parse; the bad one alone, at its number,
    // fails the same way.
    const std::string before = absl::StrJoin(
        std::vector<absl::string_view>(lines.begin(), lines.begin() + line - 1), "\n");
    const absl::Status prefix =
        OperatorKindOverrides::Parse(before, kFileName).status();
    FUZZ_REQUIRE(prefix.ok(), message + " but the lines before: " + prefix.ToString());
    const std::string alone =
        std::string(line - 1, '\n') + std::string(lines[line - 1]);
    const absl::Status single = OperatorKindOverrides::Parse(alone, kFileName).status();
    FUZZ_REQUIRE(single.message() == message,
                 message + " vs alone " + single.ToString());
    return;
  }
  for (absl::string_view name : absl::StrSplit(names, '\n')) {
    const std::optional<OperatorKindOverrides::Match> match = overrides->Find(name);
    const std::optional<OperatorKindOverrides::Match> again = overrides->Find(name);
    FUZZ_REQUIRE(match.has_value() == again.has_value() &&
                     (!match.has_value() ||
                      (match->kind == again->kind && match->line == again->line)),
                 "Find is deterministic");
    if (match.has_value()) {
      FUZZ_REQUIRE(ValidKind(match->kind), absl::StrCat(static_cast<int>(match->kind)));
      FUZZ_REQUIRE(match->line >= 1 && match->line <= static_cast<int>(lines.size()),
                   absl::StrCat(match->line));
      // That line alone is a rule that matches, and no earlier line is.
      const std::string alone =
          std::string(match->line - 1, '\n') + std::string(lines[match->line - 1]);
      absl::StatusOr<OperatorKindOverrides> rule =
          OperatorKindOverrides::Parse(alone, kFileName);
      FUZZ_REQUIRE(rule.ok() && !rule->empty(), rule.status().ToString());
      const std::optional<OperatorKindOverrides::Match> own = rule->Find(name);
      FUZZ_REQUIRE(
          own.has_value() && own->kind == match->kind && own->line == match->line,
          "the rule of line " + absl::StrCat(match->line));
      const std::string earlier =
          absl::StrJoin(std::vector<absl::string_view>(lines.begin(),
                                                       lines.begin() + match->line - 1),
                        "\n");
      absl::StatusOr<OperatorKindOverrides> first =
          OperatorKindOverrides::Parse(earlier, kFileName);
      FUZZ_REQUIRE(first.ok() && !first->Find(name).has_value(),
                   "an earlier rule matches too");
    }
    CheckResolve(name, name, &*overrides);
  }
}

// Every kind's name, as OperatorKindName writes it, is a kind the override
// file accepts and maps back to that kind.
bool NamesRoundTrip() {
  for (int k = v1::OperatorKind_MIN; k <= v1::OperatorKind_MAX; ++k) {
    if (!v1::OperatorKind_IsValid(k)) continue;
    const auto kind = static_cast<v1::OperatorKind>(k);
    absl::StatusOr<OperatorKindOverrides> parsed = OperatorKindOverrides::Parse(
        absl::StrCat("^x$ = ", OperatorKindName(kind), "\n"), kFileName);
    FUZZ_REQUIRE(parsed.ok(), parsed.status().ToString());
    const std::optional<OperatorKindOverrides::Match> match = parsed->Find("x");
    FUZZ_REQUIRE(match.has_value() && match->kind == kind && match->line == 1,
                 OperatorKindName(kind));
  }
  return true;
}

}  // namespace
}  // namespace streamtune::flink

// The first byte picks what the rest is (modulo 3), so that seeds read as a
// letter and the text: 'p' a GET /jobs/:jid/plan answer, 'o' one plan node
// (operator) description, 'k' an override file, then after a '\0' the vertex names to
// look up, one a line.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace streamtune::flink;
  static const bool names_round_trip = NamesRoundTrip();
  (void)names_round_trip;
  if (size == 0) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 'p' % 3:
      CheckPlan(text);
      break;
    case 'o' % 3:
      CheckDescription(text);
      CheckResolve(text.substr(0, text.size() / 4), text, nullptr);
      break;
    default:  // 'k'
      CheckOverrides(text);
  }
  return 0;
}
