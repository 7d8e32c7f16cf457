// Escaping of names (workloads, policies, the command line) for the two
// formats the benchmark writes: Markdown (report.md) and XML (the SVG plots).
// One function, so both treat entities the same way. Pure; thread-safe.
#ifndef STREAMTUNE_BENCH_ESCAPE_H_
#define STREAMTUNE_BENCH_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace streamtune::bench {

enum class EscapeFor {
  // Safe inside a Markdown table cell or heading: entities for < > &, a
  // backslash before Markdown's syntax characters \ | ` * [ ] #, newlines
  // as spaces.
  kMarkdown,
  // Safe in XML text and attribute values: entities for & < > " ', control
  // characters (XML 1.0 forbids most of them, even escaped) as spaces.
  kXml,
};

std::string EscapeText(absl::string_view text, EscapeFor target);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_ESCAPE_H_
