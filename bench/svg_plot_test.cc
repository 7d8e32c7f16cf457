#include "bench/svg_plot.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::bench {
namespace {

using ::testing::EndsWith;
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
// minute; "st" scales once; the oracle follows the ramp every second. The
// lag SLO is 60 s; "st" falls 20 s behind at the step and catches up.
std::vector<BenchRun> WorkloadRuns(int duration) {
  BenchRun ds2, st;
  ds2.workload = st.workload = "flash-crowd";
  ds2.policy = "ds2";
  st.policy = "st";
  ds2.source_ids = {"in", "side"};
  ds2.lag_slo_s = st.lag_slo_s = 60;
  std::vector<double> rate, side(duration, 500);
  for (int t = 1; t <= duration; ++t) {
    double r = t < 600 ? 1000 : 4000;
    if (t >= 1800) r = std::max(2000.0, 4000 - (t - 1800) * 2000.0 / 1200);
    rate.push_back(r);
    ds2.oracle_total_parallelism.push_back(static_cast<int>(r / 100));
    ds2.total_parallelism.push_back(10 + (t / 60) % 7);
    st.total_parallelism.push_back(t < 620 ? 10 : 40);
    ds2.lag_s.push_back((t / 60) % 7 < 3 ? 5 : 0);
    st.lag_s.push_back(t < 600 || t > 640 ? 0 : 20 - std::abs(t - 620));
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
  EXPECT_EQ(Count(svg, "<polyline"), 2 + 2 + 1 + 2);
  for (const char* series :
       {"in", "side", "ds2", "st", "oracle", "ds2 lag", "st lag"}) {
    EXPECT_THAT(svg, HasSubstr(std::string("<title>") + series + "</title>"));
  }
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 3);  // Oracle line and legend, SLO.
  EXPECT_THAT(svg, HasSubstr("flash-crowd"));
  EXPECT_THAT(svg, HasSubstr(">time (min)</text>"));
  EXPECT_THAT(svg, HasSubstr(">total parallelism</text>"));
  EXPECT_THAT(svg, HasSubstr(">lag (s)</text>"));
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
  EXPECT_EQ(Count(svg, "<polyline"), 3);        // Policy and oracle; policy's lag.
  EXPECT_THAT(svg, Not(HasSubstr("lag-slo")));  // No SLO known, no line.
}

// The part of `svg` inside <g id="ID">, "" if there is none (panels do not
// nest groups).
std::string Group(const std::string& svg, const std::string& id) {
  const size_t begin = svg.find("<g id=\"" + id + "\">");
  if (begin == std::string::npos) return "";
  return svg.substr(begin, svg.find("</g>", begin) - begin);
}

// The opening tag of the polyline titled `title`, "" if there is none.
std::string Polyline(const std::string& svg, const std::string& title) {
  const size_t at = svg.find("<title>" + title + "</title>");
  if (at == std::string::npos) return "";
  const size_t begin = svg.rfind("<polyline", at);
  return svg.substr(begin, at - begin);
}

std::string Attribute(const std::string& tag, const std::string& name) {
  const size_t at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const size_t begin = at + name.size() + 3;
  return tag.substr(begin, tag.find('"', begin) - begin);
}

// Four seconds, lag SLO 60 s: "ds2" lags 0, 10, 30, 20 s, "st" 0, 0, 5, 0.
std::vector<BenchRun> TinyRuns() {
  BenchRun ds2, st;
  ds2.workload = st.workload = "tiny";
  ds2.policy = "ds2";
  st.policy = "st";
  ds2.lag_slo_s = st.lag_slo_s = 60;
  ds2.total_parallelism = st.total_parallelism = {2, 2, 3, 3};
  ds2.lag_s = {0, 10, 30, 20};
  st.lag_s = {0, 0, 5, 0};
  return {ds2, st};
}

TEST(SvgPlot, LagPanelHasEachPolicysLagInItsColourAndALegend) {
  const std::vector<BenchRun> runs = TinyRuns();
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  EXPECT_EQ(XmlError(svg), "");
  const std::string lag = Group(svg, "lag-panel");
  ASSERT_NE(lag, "");
  EXPECT_THAT(Group(svg, "parallelism-panel"), Not(HasSubstr(" lag</title>")));
  EXPECT_EQ(Count(lag, "<polyline"), 2);
  for (const std::string policy : {"ds2", "st"}) {
    const std::string line = Polyline(lag, policy + " lag");
    ASSERT_NE(line, "") << policy;
    EXPECT_EQ(Attribute(line, "stroke"), Attribute(Polyline(svg, policy), "stroke"));
    EXPECT_THAT(lag, HasSubstr(">" + policy + "</text>"));  // Legend entry.
  }
  EXPECT_THAT(lag, HasSubstr(">lag (s)</text>"));
}

TEST(SvgPlot, LagAndSloLineSitWhereComputedByHand) {
  const std::vector<BenchRun> runs = TinyRuns();
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  // x: 4 s over [80, 760] px, 170 px a second. y: the axis reaches at least
  // 1.25 SLOs = 75 s, in steps of 20 s, so 0..80 s over [730, 520] px:
  // y(60) = 730 - 60 / 80 * 210 = 572.5, y(10) = 703.75, y(30) = 651.25,
  // y(20) = 677.5 (to one decimal, halves away from zero).
  EXPECT_THAT(svg, HasSubstr("<line id=\"lag-slo\" x1=\"80\" y1=\"572.5\" "
                             "x2=\"760\" y2=\"572.5\""));
  EXPECT_THAT(svg, HasSubstr("<text x=\"754\" y=\"568.5\" text-anchor=\"end\""));
  EXPECT_THAT(svg, HasSubstr(">SLO 60 s</text>"));
  EXPECT_EQ(Attribute(Polyline(svg, "ds2 lag"), "points"),
            "80.0,730.0 250.0,730.0 420.0,703.8 590.0,651.3 760.0,677.5");
  // The same x axis as the parallelism panel: both end at 760 px.
  // Parallelism 3 of at most 3 is that panel's top, 280 px.
  EXPECT_THAT(Attribute(Polyline(svg, "ds2"), "points"), EndsWith(" 760.0,280.0"));
}

TEST(SvgPlot, ClipsExplodingLagsAndSaysSoOnTheAxis) {
  std::vector<BenchRun> runs = TinyRuns();
  runs[0].lag_s = {0, 100, 500, std::numeric_limits<double>::infinity()};
  runs[1].lag_s = {0, std::nan(""), 5, 0};
  const std::string svg = RenderWorkloadPlot({&runs[0], &runs[1]});
  EXPECT_EQ(XmlError(svg), "");
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
  EXPECT_THAT(svg, Not(HasSubstr("inf")));
  // Above 4 SLOs (240 s) the axis stops at the next 100 s step: 0..300 s
  // over [730, 520] px, so y(60) = 730 - 60 / 300 * 210 = 688 and 500 s
  // and infinity are drawn at the top, 520.
  EXPECT_THAT(svg, HasSubstr(">lag (s), clipped at 300 s</text>"));
  EXPECT_THAT(svg, HasSubstr("<line id=\"lag-slo\" x1=\"80\" y1=\"688.0\""));
  EXPECT_EQ(Attribute(Polyline(svg, "ds2 lag"), "points"),
            "80.0,730.0 250.0,730.0 420.0,660.0 590.0,520.0 760.0,520.0");
  EXPECT_EQ(Attribute(Polyline(svg, "st lag"), "points"),
            "80.0,730.0 420.0,730.0 590.0,726.5 760.0,730.0");
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
