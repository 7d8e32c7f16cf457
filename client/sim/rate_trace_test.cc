#include "client/sim/rate_trace.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(absl::string_view text) {
  return std::string(ParseRateTraceCsv(text, "t.csv", "t").status().message());
}

TEST(ParseRateTraceCsv, ReadsAGoodFile) {
  absl::StatusOr<RateTrace> trace = ParseRateTraceCsv(
      "date,messages\r\n"
      "2019-07-01 00:00:00,95262.5\r\n"
      "2019-07-01 00:05:00,0\r\n"
      "2019-07-01 00:10:00,1e5\r\n",
      "t.csv", "wiki");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->name, "wiki");
  EXPECT_EQ(trace->interval_s, 300);
  EXPECT_THAT(trace->messages, ElementsAre(95262.5, 0, 100000));
  EXPECT_EQ(RateTraceDate(*trace, 0), "2019-07-01 00:00");
  EXPECT_EQ(RateTraceDate(*trace, 2), "2019-07-01 00:10");
  EXPECT_EQ(RateTraceDate(*trace, 288), "2019-07-02 00:00");

  // No final newline, a single bucket: no interval.
  trace = ParseRateTraceCsv("date,messages\n2019-07-01 00:00:00,7", "t.csv", "t");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->interval_s, 0);
  EXPECT_THAT(trace->messages, ElementsAre(7));
}

TEST(ParseRateTraceCsv, NamesEveryBadLineByFileAndLine) {
  EXPECT_EQ(Error("date,msgs\n2019-07-01 00:00:00,1\n"),
            "t.csv:1: expected the header \"date,messages\", got \"date,msgs\"");
  EXPECT_EQ(Error("date,messages\n"
                  "2019-07-01 00:00:00,1\n"
                  "2019-07-01 01:00,2\n"
                  "2019-07-01 01:00:00,-3\n"
                  "2019-07-01 01:00:00,nan\n"
                  "2019-07-01 01:00:00,4,5\n"
                  "2019-07-01 01:00:00,abc\n"),
            "t.csv:3: date: expected YYYY-MM-DD HH:MM:SS, got \"2019-07-01 01:00\"; "
            "t.csv:4: messages: expected a finite number >= 0, got \"-3\"; "
            "t.csv:5: messages: expected a finite number >= 0, got \"nan\"; "
            "t.csv:6: expected 2 fields \"date,messages\", got 3 in "
            "\"2019-07-01 01:00:00,4,5\"; "
            "t.csv:7: messages: expected a finite number >= 0, got \"abc\"");
}

TEST(ParseRateTraceCsv, DatesMustRiseByTheFilesInterval) {
  EXPECT_EQ(Error("date,messages\n"
                  "2019-07-01 00:00:00,1\n"
                  "2019-07-01 01:00:00,1\n"
                  "2019-07-01 03:00:00,1\n"
                  "2019-07-01 03:00:00,1\n"),
            "t.csv:4: date 2019-07-01 03:00:00 is 7200 s after the previous line's; "
            "the file's interval is 3600 s; "
            "t.csv:5: date 2019-07-01 03:00:00 is not after the previous line's");
  EXPECT_EQ(Error("date,messages\n2019-07-01 00:00:00,1\n\n"),
            "t.csv:3: expected 2 fields \"date,messages\", got 1 in \"\"");
}

TEST(ParseRateTraceCsv, EmptyOrHeaderOnlyIsAnError) {
  EXPECT_EQ(Error(""), "t.csv:1: empty file (no header)");
  EXPECT_EQ(Error("date,messages\n"), "t.csv:2: no data line after the header");
  EXPECT_EQ(ParseRateTraceCsv("", "t.csv", "t").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoadRateTraceFile, NamesTheTraceAfterTheFileAndReportsItsPath) {
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) / "my_trace.csv";
  std::ofstream(path) << "date,messages\n2020-01-01 00:00:00,5\nbad\n";
  absl::StatusOr<RateTrace> trace = LoadRateTraceFile(path.string());
  EXPECT_EQ(
      trace.status().message(),
      path.string() + ":3: expected 2 fields \"date,messages\", got 1 in \"bad\"");
  std::ofstream(path) << "date,messages\n2020-01-01 00:00:00,5\n";
  trace = LoadRateTraceFile(path.string());
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->name, "my_trace");
  std::filesystem::remove(path);
  EXPECT_EQ(LoadRateTraceFile(path.string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BuiltinRateTraces, AreTheShippedFilesUnchanged) {
  const std::vector<RateTrace>& traces = BuiltinRateTraces();
  std::vector<std::string> names;
  for (const RateTrace& trace : traces) {
    names.push_back(trace.name);
    absl::StatusOr<RateTrace> file = LoadRateTraceFile(
        std::string(STREAMTUNE_TRACES_DIR) + "/" + trace.name + ".csv");
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->messages, trace.messages) << trace.name;
    EXPECT_EQ(file->start, trace.start) << trace.name;
    EXPECT_EQ(trace.interval_s, absl::EndsWith(trace.name, "_1h") ? 3600 : 300);
    EXPECT_GE(trace.messages.size(), 263u) << trace.name;
  }
  EXPECT_THAT(names, ElementsAre("avazu_1h", "avazu_5min", "horton_1h", "horton_5min",
                                 "retailrocket_1h", "retailrocket_5min", "wiki_de_1h",
                                 "wiki_de_5min"));
  EXPECT_EQ(traces[6].messages.size(), 504u);  // wiki_de_1h: 21 days.
  EXPECT_EQ(RateTraceDate(traces[6], 0), "2019-07-01 00:00");
}

TEST(ResolveRateTrace, ByShippedNameOrCsvPath) {
  absl::StatusOr<RateTrace> trace = ResolveRateTrace("horton_5min");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->name, "horton_5min");
  trace = ResolveRateTrace(std::string(STREAMTUNE_TRACES_DIR) + "/avazu_1h.csv");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->name, "avazu_1h");
  trace = ResolveRateTrace("wiki");
  EXPECT_EQ(trace.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(trace.status().message(),
              HasSubstr("unknown trace \"wiki\" (shipped: avazu_1h, avazu_5min, "));
  EXPECT_EQ(ResolveRateTrace("/nonexistent/x.csv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace streamtune::sim
