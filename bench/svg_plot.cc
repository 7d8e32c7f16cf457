// SVG rendering of a workload's runs: layout, the three panels (rates,
// parallelism, lag against the SLO), axes, legend, and the point reduction
// that keeps long runs small.
#include "bench/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/escape.h"

namespace streamtune::bench {
namespace {

constexpr double kWidth = 960, kHeight = 800;
constexpr double kLeft = 80, kRight = 760;  // Plot area, every panel.
constexpr double kLegendX = 780;
constexpr double kRatePanelTop = 60, kRatePanelBottom = 250;
constexpr double kParallelismPanelTop = 280, kParallelismPanelBottom = 490;
constexpr double kLagPanelTop = 520, kLagPanelBottom = 730;
// A run that falls behind for good has a lag growing without bound, which on
// a linear axis flattens every other policy onto zero: lags above this many
// SLOs are drawn at the top of the panel, and the axis title says so.
constexpr double kLagClipSlos = 4;
// The lag axis reaches at least this many SLOs, so the SLO line is always
// inside the panel, with room for its label above it.
constexpr double kLagAxisMinSlos = 1.25;
constexpr const char* kSloColour = "#444444";
constexpr size_t kMaxLegendChars = 24;
// Tableau 10: distinct and readable on white.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                    "#bcbd22", "#17becf"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

struct Point {
  double x, y;
};

// Linear map from a data interval onto a pixel interval.
struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const {
    return d1 == d0 ? p0 : p0 + (v - d0) / (d1 - d0) * (p1 - p0);
  }
};

std::string Xml(absl::string_view text) { return EscapeText(text, EscapeFor::kXml); }

std::string Shorten(const std::string& name) {
  if (name.size() <= kMaxLegendChars) return name;
  size_t cut = kMaxLegendChars - 1;
  // Never split a UTF-8 sequence: back off over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return name.substr(0, cut) + "…";
}

// 1, 2 or 5 times a power of ten, so that [0, max] has about `count` ticks.
double NiceStep(double max, int count) {
  if (!(max > 0)) return 1;
  const double raw = max / count;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

std::string TickLabel(double v) {
  if (std::fabs(v) >= 1e6) return absl::StrFormat("%gM", v / 1e6);
  if (std::fabs(v) >= 1e3) return absl::StrFormat("%gk", v / 1e3);
  return absl::StrFormat("%g", v);
}

// Drops repeated points and middle points lying on the segment between their
// neighbours (within 0.05 px), then, if still more than four per pixel
// column, keeps only the first, lowest, highest and last point per column.
std::vector<Point> Simplify(const std::vector<Point>& in) {
  std::vector<Point> out;
  for (Point p : in) {
    p = {std::round(p.x * 10) / 10, std::round(p.y * 10) / 10};
    if (!out.empty() && out.back().x == p.x && out.back().y == p.y) continue;
    while (out.size() >= 2) {
      const Point a = out[out.size() - 2], b = out.back();
      const double dx = p.x - a.x, dy = p.y - a.y;
      const double length = std::hypot(dx, dy);
      const double off_line = std::fabs(dx * (b.y - a.y) - dy * (b.x - a.x));
      const double along = dx * (b.x - a.x) + dy * (b.y - a.y);
      if (off_line > 0.05 * length || along < 0 || along > length * length) {
        break;
      }
      out.pop_back();
    }
    out.push_back(p);
  }
  if (out.size() <= 4 * (kRight - kLeft)) return out;
  std::vector<Point> reduced;
  for (size_t begin = 0; begin < out.size();) {
    size_t end = begin;
    size_t low = begin, high = begin;
    while (end < out.size() && std::floor(out[end].x) == std::floor(out[begin].x)) {
      if (out[end].y < out[low].y) low = end;
      if (out[end].y > out[high].y) high = end;
      ++end;
    }
    for (size_t i = begin; i < end; ++i) {
      if (i == begin || i == low || i == high || i == end - 1) {
        reduced.push_back(out[i]);
      }
    }
    begin = end;
  }
  return reduced;
}

// Second i (1-based) holds values[i-1] over [i-1, i]: corners at changes.
std::vector<Point> StepPoints(const std::vector<int>& values, const Scale& x,
                              const Scale& y) {
  std::vector<Point> points;
  if (values.empty()) return points;
  points.push_back({x(0), y(values[0])});
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] == values[i - 1]) continue;
    points.push_back({x(i), y(values[i - 1])});
    points.push_back({x(i), y(values[i])});
  }
  points.push_back({x(values.size()), y(values.back())});
  return Simplify(points);
}

// R(t) at the end of each second, joined by straight lines.
std::vector<Point> LinePoints(const std::vector<double>& values, const Scale& x,
                              const Scale& y) {
  std::vector<Point> points;
  if (values.empty()) return points;
  points.push_back({x(0), y(values[0])});
  for (size_t i = 0; i < values.size(); ++i) {
    points.push_back({x(i + 1), y(values[i])});
  }
  return Simplify(points);
}

void AppendPolyline(const std::vector<Point>& points, const std::string& name,
                    const char* colour, bool dashed, std::string* out) {
  absl::StrAppend(out, "<polyline fill=\"none\" stroke=\"", colour,
                  "\" stroke-width=\"", dashed ? "2" : "1.5", "\"",
                  dashed ? " stroke-dasharray=\"6 4\"" : "", " points=\"");
  for (size_t i = 0; i < points.size(); ++i) {
    absl::StrAppend(out, i == 0 ? "" : " ",
                    absl::StrFormat("%.1f,%.1f", points[i].x, points[i].y));
  }
  absl::StrAppend(out, "\"><title>", Xml(name), "</title></polyline>\n");
}

void AppendLegendEntry(int row, double top, const std::string& name, const char* colour,
                       bool dashed, std::string* out) {
  const double y = top + 8 + 18 * row;
  absl::StrAppend(
      out,
      absl::StrFormat("<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
                      "stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                      kLegendX, y, kLegendX + 24, y, colour,
                      dashed ? " stroke-dasharray=\"6 4\"" : ""),
      absl::StrFormat("<text x=\"%.0f\" y=\"%.0f\">", kLegendX + 30, y + 4),
      Xml(Shorten(name)), "</text>\n");
}

// Frame, horizontal grid with y labels, vertical grid (x labels only when
// `x_labels`), and the rotated y-axis title.
void AppendPanel(const Scale& x, const Scale& y, double y_step, double x_step_min,
                 bool x_labels, const std::string& y_title, std::string* out) {
  const double top = y.p1, bottom = y.p0;
  for (int k = 0; k * y_step <= y.d1 * (1 + 1e-9); ++k) {
    const double v = k * y_step;
    absl::StrAppend(
        out,
        absl::StrFormat("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
                        "stroke=\"#e0e0e0\"/>\n",
                        kLeft, y(v), kRight, y(v)),
        absl::StrFormat("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", kLeft - 6,
                        y(v) + 4),
        TickLabel(v), "</text>\n");
  }
  for (int k = 0; k * x_step_min * 60 <= x.d1 * (1 + 1e-9); ++k) {
    const double m = k * x_step_min;
    const double px = x(m * 60);
    absl::StrAppend(
        out, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
                             "stroke=\"#e0e0e0\"/>\n",
                             px, top, px, bottom + 5));
    if (x_labels) {
      absl::StrAppend(
          out,
          absl::StrFormat("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", px,
                          bottom + 20),
          TickLabel(m), "</text>\n");
    }
  }
  const double mid = (top + bottom) / 2;
  absl::StrAppend(out,
                  absl::StrFormat("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
                                  "height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n",
                                  kLeft, top, kRight - kLeft, bottom - top),
                  absl::StrFormat("<text x=\"20\" y=\"%.0f\" text-anchor=\"middle\" "
                                  "transform=\"rotate(-90 20 %.0f)\">",
                                  mid, mid),
                  Xml(y_title), "</text>\n");
}

// Each policy's lag (seconds of input behind, the lag of the SLO attainment
// metric) over time, and the workload's lag SLO as a dashed line labelled
// with its value. The y axis is linear from 0 so the SLO line reads as a
// threshold; see kLagClipSlos for when it is clipped.
void AppendLagPanel(const std::vector<const BenchRun*>& runs, const Scale& x,
                    double x_step_min, std::string* out) {
  const double slo = runs.front()->lag_slo_s;
  double max_lag = 0, max_finite_lag = 0;
  for (const BenchRun* run : runs) {
    for (double lag : run->lag_s) {
      max_lag = std::max(max_lag, lag);  // NaN never wins.
      if (std::isfinite(lag)) max_finite_lag = std::max(max_finite_lag, lag);
    }
  }
  const double clip_at = slo > 0 ? kLagClipSlos * slo : max_finite_lag;
  const bool clipped = max_lag > clip_at;
  const double top =
      std::max(1.0, clipped ? clip_at : std::max(max_lag, kLagAxisMinSlos * slo));
  const double step = NiceStep(top, 4);
  const Scale y{0, std::ceil(top / step) * step, kLagPanelBottom, kLagPanelTop};
  const std::string title =
      clipped ? absl::StrCat("lag (s), clipped at ", TickLabel(y.d1), " s") : "lag (s)";

  absl::StrAppend(out, "<g id=\"lag-panel\">\n");
  AppendPanel(x, y, step, x_step_min, true, title, out);
  for (size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> shown;
    for (double lag : runs[i]->lag_s) {
      shown.push_back(std::isnan(lag) ? 0 : std::min(lag, y.d1));
    }
    const char* colour = kPalette[i % kPaletteSize];
    AppendPolyline(LinePoints(shown, x, y), absl::StrCat(runs[i]->policy, " lag"),
                   colour, false, out);
    AppendLegendEntry(i, kLagPanelTop, runs[i]->policy, colour, false, out);
  }
  if (slo > 0) {
    const std::string label = absl::StrCat("SLO ", runs.front()->lag_slo_s, " s");
    absl::StrAppend(
        out,
        absl::StrFormat("<line id=\"lag-slo\" x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" "
                        "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" "
                        "stroke-dasharray=\"6 4\"/>\n",
                        kLeft, y(slo), kRight, y(slo), kSloColour),
        // At the right end, where runs have usually caught up; the white halo
        // keeps it readable where a lag line crosses it.
        absl::StrFormat("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" "
                        "fill=\"%s\" stroke=\"white\" stroke-width=\"3\" "
                        "paint-order=\"stroke\">",
                        kRight - 6, y(slo) - 4, kSloColour),
        Xml(label), "</text>\n");
  }
  absl::StrAppend(out, "</g>\n");
}

}  // namespace

std::string RenderWorkloadPlot(
    const std::vector<const BenchRun*>& runs_of_one_workload) {
  std::vector<const BenchRun*> runs;
  for (const BenchRun* run : runs_of_one_workload) {
    if (run != nullptr) runs.push_back(run);
  }
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n",
      kWidth, kHeight, kWidth, kHeight);
  if (runs.empty()) {
    return absl::StrCat(out, "<text x=\"20\" y=\"40\">no runs</text>\n</svg>\n");
  }
  const BenchRun& first = *runs.front();
  absl::StrAppend(&out, "<text x=\"", kWidth / 2,
                  "\" y=\"30\" text-anchor=\"middle\" font-size=\"16\" "
                  "font-weight=\"bold\">Workload ",
                  Xml(first.workload), "</text>\n");

  const std::vector<int>* oracle = nullptr;
  size_t duration = 0;
  double max_rate = 0, max_parallelism = 0;
  for (const std::vector<double>& rates : first.source_target_rate) {
    duration = std::max(duration, rates.size());
    for (double r : rates) max_rate = std::max(max_rate, r);
  }
  for (const BenchRun* run : runs) {
    if (oracle == nullptr && !run->oracle_total_parallelism.empty()) {
      oracle = &run->oracle_total_parallelism;
    }
    for (const std::vector<int>* s :
         {&run->total_parallelism, &run->oracle_total_parallelism}) {
      duration = std::max(duration, s->size());
      for (int p : *s) max_parallelism = std::max<double>(max_parallelism, p);
    }
    duration = std::max(duration, run->lag_s.size());
  }
  const double rate_step = NiceStep(max_rate, 4);
  const double p_step = std::max(1.0, NiceStep(max_parallelism, 5));
  const double minutes = std::max<double>(duration, 1) / 60;
  const Scale x{0, std::max<double>(duration, 1), kLeft, kRight};
  const Scale y_rate{0, std::max(1.0, std::ceil(max_rate / rate_step)) * rate_step,
                     kRatePanelBottom, kRatePanelTop};
  const Scale y_par{0, std::max(1.0, std::ceil(max_parallelism / p_step)) * p_step,
                    kParallelismPanelBottom, kParallelismPanelTop};
  const double x_step = NiceStep(minutes, 8);

  absl::StrAppend(&out, "<g id=\"rate-panel\">\n");
  AppendPanel(x, y_rate, rate_step, x_step, false, "source target rate (records/s)",
              &out);
  for (size_t s = 0; s < first.source_target_rate.size(); ++s) {
    const std::string name = s < first.source_ids.size()
                                 ? first.source_ids[s]
                                 : absl::StrCat("source ", s + 1);
    const char* colour = kPalette[s % kPaletteSize];
    AppendPolyline(LinePoints(first.source_target_rate[s], x, y_rate), name, colour,
                   false, &out);
    AppendLegendEntry(s, kRatePanelTop, name, colour, false, &out);
  }
  absl::StrAppend(&out, "</g>\n<g id=\"parallelism-panel\">\n");

  AppendPanel(x, y_par, p_step, x_step, false, "total parallelism", &out);
  for (size_t i = 0; i < runs.size(); ++i) {
    const char* colour = kPalette[i % kPaletteSize];
    AppendPolyline(StepPoints(runs[i]->total_parallelism, x, y_par), runs[i]->policy,
                   colour, false, &out);
    AppendLegendEntry(i, kParallelismPanelTop, runs[i]->policy, colour, false, &out);
  }
  static const std::vector<int> kNoSeries;
  AppendPolyline(StepPoints(oracle ? *oracle : kNoSeries, x, y_par), "oracle",
                 "#000000", true, &out);
  AppendLegendEntry(runs.size(), kParallelismPanelTop, "oracle", "#000000", true, &out);
  absl::StrAppend(&out, "</g>\n");

  AppendLagPanel(runs, x, x_step, &out);
  absl::StrAppend(&out,
                  absl::StrFormat("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
                                  "time (min)</text>\n</svg>\n",
                                  (kLeft + kRight) / 2, kLagPanelBottom + 45));
  return out;
}

}  // namespace streamtune::bench
