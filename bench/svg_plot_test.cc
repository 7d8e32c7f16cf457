#include "bench/svg_plot.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A minimal XML well-formedness check: balanced, properly nested tags, one
// root, quoted attributes without '<', and '&' only in entity references.
// Returns "" if well-formed, else what is wrong.
std::string XmlError(const std::string& xml) {
  auto bad_ampersand = [](const std::string& text) {
    for (size_t at = text.find('&'); at != std::string::npos;
         at = text.find('&', at + 1)) {
      const size_t end = text.find(';', at);
      if (end == std::string::npos) return true;
      const std::string entity = text.substr(at + 1, end - at - 1);
      if (entity != "amp" && entity != "lt" && entity != "gt" && entity != "quot" &&
          entity != "apos" && entity.rfind('#', 0) != 0) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  while (i < xml.size()) {
    const size_t lt = xml.find('<', i);
    const std::string text = xml.substr(i, lt - i);
    if (bad_ampersand(text)) return "bad & in text: " + text;
    if (lt == std::string::npos) break;
    if (open.empty() && text.find_first_not_of(" \n") != std::string::npos) {
      return "text outside the root";
    }
    size_t gt = lt + 1;
    bool quoted = false;
    for (; gt < xml.size() && (quoted || xml[gt] != '>'); ++gt) {
      if (xml[gt] == '"') quoted = !quoted;
      if (xml[gt] == '<') return "'<' inside a tag";
    }
    if (gt >= xml.size()) return "unterminated tag";
    std::string tag = xml.substr(lt + 1, gt - lt - 1);
    if (bad_ampersand(tag)) return "bad & in tag: " + tag;
    i = gt + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) {
        return "unbalanced </" + tag.substr(1) + ">";
      }
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.back() == '/';
    const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    if (open.empty() && ++roots > 1) return "more than one root";
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return roots == 1 ? "" : "no root";
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// `duration` seconds: source "in" steps from 1000 to 4000 at 600 s and ramps
// back to 2000 over 1200 s from 1800 s; "ds2" follows one decision a
// minute; "st" scales once; the oracle follows the ramp every second.
std::vector<BenchRun> WorkloadRuns(int duration) {
  BenchRun ds2, st;
  ds2.workload = st.workload = "flash-crowd";
  ds2.policy = "ds2";
  st.policy = "st";
  ds2.source_ids = {"in", "side"};
  std::vector<double> rate, side(duration, 500);
  for (int t = 1; t <= duration; ++t) {
    double r = t < 600 ? 1000 : 4000;
    if (t >= 1800) r = std::max(2000.0, 4000 - (t - 1800) * 2000.0 / 1200);
    rate.push_back(r);
    ds2.oracle_total_parallelism.push_back(static_cast<int>(r / 100));
    ds2.total_parallelism.push_back(10 + (t / 60) % 7);
    st.total_parallelism.push_back(t < 620 ? 10 : 40);
  }
  ds2.source_target_rate = {rate, side};
  st.oracle_total_parallelism = ds2.oracle_total_parallelism;
  return {ds2, st};
}

TEST(SvgPlot, IsWellFormedWithALinePerSourcePolicyAndOracle) {
  const std::vector<BenchRun> runs = WorkloadRuns(3600);
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  EXPECT_THAT(svg, StartsWith("<svg "));
  EXPECT_EQ(XmlError(svg), "");
  EXPECT_EQ(Count(svg, "<polyline"), 2 + 2 + 1);
  for (const char* series : {"in", "side", "ds2", "st", "oracle"}) {
    EXPECT_THAT(svg, HasSubstr(std::string("<title>") + series + "</title>"));
  }
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 2);  // Oracle line and legend.
  EXPECT_THAT(svg, HasSubstr("flash-crowd"));
  EXPECT_THAT(svg, HasSubstr(">time (min)</text>"));
  EXPECT_THAT(svg, HasSubstr(">total parallelism</text>"));
  EXPECT_THAT(svg, HasSubstr(">60</text>"));  // Last x tick, in minutes.
  EXPECT_THAT(svg, Not(HasSubstr("href")));   // Self-contained.
}

TEST(SvgPlot, KeepsOnlyChangePointsSoLongRunsStaySmall) {
  const std::vector<BenchRun> runs = WorkloadRuns(3600);
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  EXPECT_LT(svg.size(), 40000u);
  // "st" changes once: start, two corners, end.
  const size_t st = svg.find("<title>st</title>");
  const size_t points = svg.rfind("points=\"", st);
  const std::string st_points = svg.substr(points, svg.find('"', points + 8) - points);
  EXPECT_EQ(Count(st_points, ","), 4) << st_points;
  // The constant "side" source is one segment.
  const size_t side = svg.find("<title>side</title>");
  const size_t side_at = svg.rfind("points=\"", side);
  EXPECT_EQ(Count(svg.substr(side_at, side - side_at), ","), 2);
}

TEST(SvgPlot, EscapesNamesForXml) {
  std::vector<BenchRun> runs = WorkloadRuns(120);
  for (BenchRun& run : runs) run.workload = "a<b&c";
  runs[0].policy = "p\"q'<r>";
  runs[0].source_ids[0] = "s&t";
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  EXPECT_EQ(XmlError(svg), "");
  EXPECT_THAT(svg, HasSubstr("a&lt;b&amp;c"));
  EXPECT_THAT(svg, Not(HasSubstr("a<b&c")));
  EXPECT_THAT(svg, HasSubstr("p&quot;q&apos;&lt;r&gt;"));
  EXPECT_THAT(svg, HasSubstr("s&amp;t"));
}

TEST(SvgPlot, HandlesNoRunsAndEmptySeries) {
  const std::string empty = RenderWorkloadPlot({});
  EXPECT_EQ(XmlError(empty), "");
  EXPECT_THAT(empty, HasSubstr("no runs"));
  BenchRun bare;
  bare.workload = "bare";
  bare.policy = "ds2";
  const std::string svg = RenderWorkloadPlot({&bare});
  EXPECT_EQ(XmlError(svg), "");
  EXPECT_EQ(Count(svg, "<polyline"), 2);  // The policy and the oracle.
}

TEST(XmlErrorSelfTest, CatchesMalformedDocuments) {
  EXPECT_EQ(XmlError("<svg><g/></svg>"), "");
  EXPECT_NE(XmlError("<svg><g></svg>"), "");
  EXPECT_NE(XmlError("<svg>a<b&c</svg>"), "");
  EXPECT_NE(XmlError("<svg>a&b</svg>"), "");
  EXPECT_NE(XmlError("<svg></svg><svg></svg>"), "");
}

}  // namespace
}  // namespace streamtune::bench
