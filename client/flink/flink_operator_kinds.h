// The kind of each Flink vertex (the DAG's node label, which feeds graph
// similarity and the model's features), taken from what Flink reports: the
// job plan's node descriptions (the operators' names, Flink's defaults such
// as "Source: x", "Window(...)", "KeyedProcess"), the plan's topology, and a
// user's override file. The mapping table is in docs/engines.md ("Operator
// kinds"). An operator nothing identifies is OPERATOR_KIND_UNSPECIFIED
// ("unknown"), never a guess.
#ifndef STREAMTUNE_CLIENT_FLINK_FLINK_OPERATOR_KINDS_H_
#define STREAMTUNE_CLIENT_FLINK_FLINK_OPERATOR_KINDS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "streamtune/v1/snapshot.pb.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace streamtune::flink {

// GET /jobs/:jid/plan: node id -> description (the vertex's operators,
// "<br/>"-separated, chained ones prefixed "+- "). INVALID_ARGUMENT naming
// the JSON path of the first missing or mistyped field.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ParsePlanDescriptions(
    absl::string_view json);

// What a plan description says (the table in docs/engines.md); nullopt when
// no operator of the vertex has a name Flink gives a known strategy. With
// several chained operators the most specific wins: source, sink, join,
// window, keyed aggregate, flat map, filter, map, process.
std::optional<v1::OperatorKind> KindFromDescription(absl::string_view description);

// The user's overrides (--operator_kinds=FILE): one rule a line,
// `name-regex = kind`, where kind is one of source, map, filter, flat_map,
// keyed_aggregate, window_aggregate, join, process, sink, unknown; `#`
// starts a comment; blank lines are skipped. A vertex takes the kind of the
// first rule whose regex matches part of its name (RE2 syntax, the common
// ECMAScript subset without backreferences or lookaround; anchor with ^ and
// $). RE2 matches in time linear in the name, so no pattern can hang the
// agent (std::regex backtracked: a 589-byte line of stacked `*` took 102 s
// against an empty name in the fuzzer). Immutable after Parse, so
// thread-safe.
class OperatorKindOverrides {
 public:
  // INVALID_ARGUMENT "<file_name>:<line>: <what is wrong>" for a line
  // without " = ", an unknown kind, an empty or malformed regex.
  static absl::StatusOr<OperatorKindOverrides> Parse(absl::string_view text,
                                                     absl::string_view file_name);
  // Reads and parses `path`; NOT_FOUND when it cannot be read.
  static absl::StatusOr<OperatorKindOverrides> Load(const std::string& path);

  struct Match {
    v1::OperatorKind kind;
    int line;  // Of the rule, 1-based.
  };
  std::optional<Match> Find(absl::string_view vertex_name) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::shared_ptr<const re2::RE2> regex;
    v1::OperatorKind kind;
    int line;
  };
  std::vector<Rule> rules_;
};

// What decided a vertex's kind, for logs.
struct ResolvedKind {
  v1::OperatorKind kind = v1::OPERATOR_KIND_UNSPECIFIED;
  std::string source;  // "override line 3", "plan", "topology", "unknown".
};

// In order: an override (unless it contradicts the topology: a source with
// inputs, a sink with outputs — the service rejects those), the plan
// description, the topology (no inputs: source; no outputs: sink; a HASH
// input: keyed aggregate), else unknown.
ResolvedKind ResolveOperatorKind(absl::string_view vertex_name,
                                 absl::string_view description, bool has_inputs,
                                 bool has_outputs, bool has_hash_input,
                                 const OperatorKindOverrides* overrides);

// "source", "window_aggregate", ..., "unknown" for UNSPECIFIED.
std::string OperatorKindName(v1::OperatorKind kind);

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FLINK_OPERATOR_KINDS_H_
