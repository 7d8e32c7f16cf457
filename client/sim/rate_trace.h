// Real message-rate traces (bench/traces, docs/workloads.md): the CSV format
// `date,messages` with errors that name file:line, the eight shipped traces
// compiled into the library (so a generated workload needs no checkout), and
// user-supplied CSV files. Plain data and pure functions: thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_RATE_TRACE_H_
#define STREAMTUNE_CLIENT_SIM_RATE_TRACE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace streamtune::sim {

// One trace: equally spaced buckets, each the average messages per second.
struct RateTrace {
  std::string name;              // The file's stem, e.g. "wiki_de_1h".
  absl::Time start;              // Start of the first bucket (the dates are UTC).
  int interval_s = 0;            // Bucket length; 0 when there is a single bucket.
  std::vector<double> messages;  // At least one; every value finite and >= 0.
};

// Parses a trace file's text: the header line `date,messages`, then one line
// per bucket `YYYY-MM-DD HH:MM:SS,<number>`, dates strictly increasing and
// equally spaced (a gap would silently warp time once one bucket becomes one
// simulated minute). A final newline and CRLF line ends are accepted.
// INVALID_ARGUMENT listing every bad line (the first 20) as
// "<source_name>:<line>: <what>", joined by "; ".
absl::StatusOr<RateTrace> ParseRateTraceCsv(absl::string_view text,
                                            absl::string_view source_name,
                                            absl::string_view trace_name);

// Reads and parses the CSV file at `path` (named after its stem). NOT_FOUND
// when it cannot be read, otherwise as ParseRateTraceCsv.
absl::StatusOr<RateTrace> LoadRateTraceFile(const std::string& path);

// The traces shipped in bench/traces, embedded at build time, sorted by
// name: avazu, horton, retailrocket, wiki_de, each as _1h and _5min.
const std::vector<RateTrace>& BuiltinRateTraces();

// A shipped trace by name, or, when `name_or_file` ends in ".csv", that file.
// NOT_FOUND listing the shipped names for an unknown name.
absl::StatusOr<RateTrace> ResolveRateTrace(absl::string_view name_or_file);

// The start date of bucket `index`, "YYYY-MM-DD HH:MM", for messages and docs.
std::string RateTraceDate(const RateTrace& trace, int index);

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_RATE_TRACE_H_
