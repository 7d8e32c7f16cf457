#include "client/sim/rate_trace.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/sim/embedded_traces.h"
#include "client/sim/error_list.h"

namespace streamtune::sim {
namespace {

constexpr absl::string_view kHeader = "date,messages";
constexpr char kDateFormat[] = "%Y-%m-%d %H:%M:%S";

// Checks one data line and appends its bucket; `previous` is the last good
// date (InfinitePast before the first).
void ParseLine(absl::string_view line, const std::string& where, RateTrace* trace,
               absl::Time* previous, ErrorList* errors) {
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
  if (fields.size() != 2) {
    errors->Add(where, absl::StrCat("expected 2 fields \"date,messages\", got ",
                                    fields.size(), " in \"", line, "\""));
    return;
  }
  absl::Time date;
  std::string why;
  if (!absl::ParseTime(kDateFormat, fields[0], absl::UTCTimeZone(), &date, &why)) {
    errors->Add(where, absl::StrCat("date: expected YYYY-MM-DD HH:MM:SS, got \"",
                                    fields[0], "\""));
    return;
  }
  double messages = 0;
  if (!absl::SimpleAtod(fields[1], &messages) || !std::isfinite(messages) ||
      messages < 0) {
    errors->Add(where, absl::StrCat("messages: expected a finite number >= 0, got \"",
                                    fields[1], "\""));
    return;
  }
  if (*previous != absl::InfinitePast()) {
    const int64_t gap = absl::ToInt64Seconds(date - *previous);
    if (gap <= 0) {
      errors->Add(
          where, absl::StrCat("date ", fields[0], " is not after the previous line's"));
      return;
    }
    if (trace->interval_s == 0) trace->interval_s = static_cast<int>(gap);
    if (gap != trace->interval_s) {
      errors->Add(where, absl::StrCat("date ", fields[0], " is ", gap,
                                      " s after the previous line's; the file's "
                                      "interval is ",
                                      trace->interval_s, " s"));
    }
  } else {
    trace->start = date;
  }
  *previous = date;
  trace->messages.push_back(messages);
}

}  // namespace

absl::StatusOr<RateTrace> ParseRateTraceCsv(absl::string_view text,
                                            absl::string_view source_name,
                                            absl::string_view trace_name) {
  RateTrace trace;
  trace.name = std::string(trace_name);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // Final newline.
  ErrorList errors;
  absl::Time previous = absl::InfinitePast();
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    const std::string where = absl::StrCat(source_name, ":", i + 1);
    if (i == 0) {
      if (line != kHeader) {
        errors.Add(where, absl::StrCat("expected the header \"", kHeader, "\", got \"",
                                       line, "\""));
      }
      continue;
    }
    ParseLine(line, where, &trace, &previous, &errors);
  }
  if (lines.empty()) {
    errors.Add(absl::StrCat(source_name, ":1"), "empty file (no header)");
  } else if (errors.empty() && trace.messages.empty()) {
    errors.Add(absl::StrCat(source_name, ":2"), "no data line after the header");
  }
  if (absl::Status status = errors.ToStatus(); !status.ok()) return status;
  return trace;
}

absl::StatusOr<RateTrace> LoadRateTraceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read trace file ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return absl::NotFoundError(absl::StrCat("cannot read trace file ", path));
  return ParseRateTraceCsv(text.str(), path,
                           std::filesystem::path(path).stem().string());
}

const std::vector<RateTrace>& BuiltinRateTraces() {
  static const auto* traces = [] {
    auto* list = new std::vector<RateTrace>();
    for (const EmbeddedTraceFile& file : EmbeddedTraceFiles()) {
      absl::StatusOr<RateTrace> trace = ParseRateTraceCsv(
          file.text, absl::StrCat("bench/traces/", file.name, ".csv"), file.name);
      if (!trace.ok()) {
        // The build embedded a broken file; rate_trace_test catches this first.
        std::fprintf(stderr, "embedded trace: %s\n", trace.status().ToString().c_str());
        std::abort();
      }
      list->push_back(*std::move(trace));
    }
    return list;
  }();
  return *traces;
}

absl::StatusOr<RateTrace> ResolveRateTrace(absl::string_view name_or_file) {
  if (absl::EndsWith(name_or_file, ".csv")) {
    return LoadRateTraceFile(std::string(name_or_file));
  }
  std::vector<std::string> names;
  for (const RateTrace& trace : BuiltinRateTraces()) {
    if (trace.name == name_or_file) return trace;
    names.push_back(trace.name);
  }
  return absl::NotFoundError(absl::StrCat("unknown trace \"", name_or_file,
                                          "\" (shipped: ", absl::StrJoin(names, ", "),
                                          "; or a path ending in .csv)"));
}

std::string RateTraceDate(const RateTrace& trace, int index) {
  return absl::FormatTime(
      "%Y-%m-%d %H:%M", trace.start + absl::Seconds(int64_t{trace.interval_s} * index),
      absl::UTCTimeZone());
}

}  // namespace streamtune::sim
