// The text of the shipped trace files (bench/traces/*.csv), compiled into the
// library by embed_traces.cmake, which writes embedded_traces.cc into the
// build directory at build time. Internal to rate_trace.cc: read the parsed
// traces through BuiltinRateTraces(). Immutable data: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_EMBEDDED_TRACES_H_
#define STREAMTUNE_CLIENT_SIM_EMBEDDED_TRACES_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace streamtune::sim {

struct EmbeddedTraceFile {
  absl::string_view name;  // The file's stem, e.g. "wiki_de_1h".
  absl::string_view text;  // The whole file, unchanged.
};

// Every bench/traces/*.csv, sorted by name.
absl::Span<const EmbeddedTraceFile> EmbeddedTraceFiles();

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_EMBEDDED_TRACES_H_
