#include "client/plot_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "client/nice_ticks.h"
#include "common/strings.h"

namespace derm::client {
namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string N(double v) { return FormatFixed(v, 2); }

std::string Text(double x, double y, const std::string& s, const char* anchor = "start", int size = 12,
                 const std::string& extra = "") {
  return "<text x=\"" + N(x) + "\" y=\"" + N(y) + "\" font-size=\"" + std::to_string(size) +
         "\" font-family=\"sans-serif\" text-anchor=\"" + anchor + "\"" + extra + ">" + Esc(s) + "</text>\n";
}

// One panel: axes, ticks, and a polyline per (run, series) of value(epoch).
std::string Panel(double x0, double y0, double w, double h, const std::string& title,
                  const std::vector<derm::v1::RunReport>& runs,
                  const std::function<double(const derm::v1::EpochMetrics&, bool)>& value) {
  int max_epoch = 1;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& r : runs) {
    for (const auto& e : r.epochs()) {
      max_epoch = std::max(max_epoch, e.epoch());
      for (bool val : {false, true}) {
        lo = std::min(lo, value(e, val));
        hi = std::max(hi, value(e, val));
      }
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const Ticks ticks = NiceTicks(lo, hi);
  lo = ticks.lo, hi = ticks.hi;
  auto px = [&](double epoch) { return x0 + (max_epoch == 1 ? w / 2 : (epoch - 1) / (max_epoch - 1) * w); };
  auto py = [&](double v) { return y0 + h - (v - lo) / (hi - lo) * h; };
  std::string out = "<rect x=\"" + N(x0) + "\" y=\"" + N(y0) + "\" width=\"" + N(w) + "\" height=\"" + N(h) +
                    "\" fill=\"none\" stroke=\"#333\"/>\n";
  out += Text(x0 + w / 2, y0 - 10, title, "middle", 14, " font-weight=\"bold\"");
  for (const double v : ticks.values) {
    out += "<line x1=\"" + N(x0 - 4) + "\" y1=\"" + N(py(v)) + "\" x2=\"" + N(x0 + w) + "\" y2=\"" +
           N(py(v)) + "\" stroke=\"#ddd\"/>\n";
    out += Text(x0 - 6, py(v) + 4, ticks.Label(v), "end", 10);
  }
  const int step = std::max(1, max_epoch / 10);
  for (int e = 1; e <= max_epoch; e += step) out += Text(px(e), y0 + h + 14, std::to_string(e), "middle", 10);
  out += Text(x0 + w / 2, y0 + h + 30, "epoch", "middle", 11);
  for (size_t i = 0; i < runs.size(); ++i) {
    for (bool val : {false, true}) {
      std::string points;
      for (const auto& e : runs[i].epochs()) points += N(px(e.epoch())) + "," + N(py(value(e, val))) + " ";
      if (points.empty()) continue;
      out += std::string("<polyline fill=\"none\" stroke=\"") + kColours[i % 10] + "\" stroke-width=\"2\"" +
             (val ? "" : " stroke-dasharray=\"5,4\"") + " points=\"" + points + "\"/>\n";
    }
  }
  return out;
}

}  // namespace

std::string LearningCurvesSvg(const std::vector<derm::v1::RunReport>& runs) {
  const double panel_w = 380, panel_h = 260, left = 60, top = 40;
  const double height = top + panel_h + 60 + 20.0 * runs.size() + 20;
  const double width = left + 2 * panel_w + 80 + 20;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + N(width) + "\" height=\"" +
                    N(height) + "\" viewBox=\"0 0 " + N(width) + " " + N(height) +
                    "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += Panel(left, top, panel_w, panel_h, "accuracy", runs, [](const derm::v1::EpochMetrics& e, bool val) {
    return val ? e.validation().accuracy() : e.accuracy();
  });
  svg +=
      Panel(left + panel_w + 80, top, panel_w, panel_h, "loss", runs,
            [](const derm::v1::EpochMetrics& e, bool val) { return val ? e.validation().loss() : e.loss(); });
  double y = top + panel_h + 60;
  svg += Text(left, y, "solid: validation   dashed: training", "start", 11);
  for (size_t i = 0; i < runs.size(); ++i) {
    y += 20;
    svg += std::string("<line x1=\"") + N(left) + "\" y1=\"" + N(y - 4) + "\" x2=\"" + N(left + 30) +
           "\" y2=\"" + N(y - 4) + "\" stroke=\"" + kColours[i % 10] + "\" stroke-width=\"3\"/>\n";
    svg += Text(left + 38, y, "run " + std::to_string(runs[i].run_id()) + ": " + runs[i].name(), "start", 12);
  }
  return svg + "</svg>\n";
}

std::string ConfusionSvg(const std::vector<derm::v1::RunReport>& runs, bool test) {
  size_t n_max = 1, name_max = 4;
  std::vector<const derm::v1::SplitMetrics*> splits;
  for (const auto& r : runs) {
    const derm::v1::SplitMetrics* m = nullptr;
    if (test && r.result().has_test())
      m = &r.result().test();
    else if (!r.epochs().empty())
      m = &r.epochs().rbegin()->validation();
    splits.push_back(m);
    if (!m) continue;
    n_max = std::max<size_t>(n_max, m->confusion().class_names_size());
    for (const auto& c : m->confusion().class_names()) name_max = std::max(name_max, c.size());
  }
  const double cell = 36, label_w = 7.0 * name_max + 16, top = 70;
  const double block_w = label_w + cell * n_max + 40;
  const double width = block_w * runs.size() + 20, height = top + cell * n_max + 7.0 * name_max + 60;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + N(width) + "\" height=\"" +
                    N(height) + "\" viewBox=\"0 0 " + N(width) + " " + N(height) +
                    "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const double x0 = block_w * i + label_w + 10;
    const derm::v1::SplitMetrics* m = splits[i];
    std::string title = "run " + std::to_string(runs[i].run_id());
    if (!m) {
      svg += Text(x0, top - 40, title + ": no confusion matrix yet", "start", 14);
      continue;
    }
    const auto& cm = m->confusion();
    const int n = cm.class_names_size();
    title += (test && runs[i].result().has_test())
                 ? " test"
                 : " validation, epoch " + std::to_string(runs[i].epochs().rbegin()->epoch());
    svg += Text(x0, top - 40, title, "start", 14, " font-weight=\"bold\"");
    svg += Text(x0, top - 22, "rows: true class, columns: predicted; colour: share of the row", "start", 10);
    for (int t = 0; t < n; ++t) {
      int64_t row = 0;
      for (int p = 0; p < n; ++p) row += cm.counts(t * n + p);
      svg += Text(x0 - 6, top + cell * t + cell / 2 + 4, cm.class_names(t), "end", 11);
      for (int p = 0; p < n; ++p) {
        const int64_t count = cm.counts(t * n + p);
        const double share = row ? static_cast<double>(count) / row : 0;
        char fill[16];
        std::snprintf(fill, sizeof fill, "#%02x%02x%02x", static_cast<int>(255 - 224 * share),
                      static_cast<int>(255 - 175 * share), static_cast<int>(255 - 75 * share));
        svg += "<rect class=\"cell\" x=\"" + N(x0 + cell * p) + "\" y=\"" + N(top + cell * t) +
               "\" width=\"" + N(cell) + "\" height=\"" + N(cell) + "\" fill=\"" + fill +
               "\" stroke=\"#999\"/>\n";
        svg += Text(x0 + cell * p + cell / 2, top + cell * t + cell / 2 + 4, std::to_string(count), "middle",
                    11, share > 0.6 ? " fill=\"white\"" : "");
      }
    }
    for (int p = 0; p < n; ++p) {
      const double x = x0 + cell * p + cell / 2, y = top + cell * n + 8;
      svg += Text(x, y, cm.class_names(p), "end", 11, " transform=\"rotate(-60 " + N(x) + " " + N(y) + ")\"");
    }
  }
  return svg + "</svg>\n";
}

namespace {

// The split a plot of `run` shows: the test split when asked and present, else the last epoch's
// validation; null when neither has an evaluation.
const derm::v1::SplitMetrics* ChosenSplit(const derm::v1::RunReport& run, bool test, std::string* title) {
  *title = "run " + std::to_string(run.run_id());
  if (test && run.result().has_test()) {
    *title += " test";
    return run.result().test().has_evaluation() ? &run.result().test() : nullptr;
  }
  if (run.epochs().empty()) return nullptr;
  const auto& last = *run.epochs().rbegin();
  *title += " validation, epoch " + std::to_string(last.epoch());
  return last.validation().has_evaluation() ? &last.validation() : nullptr;
}

// A unit-square panel (0..1 on both axes) with a dashed diagonal.
std::string UnitPanel(double x0, double y0, double size, const std::string& title, const std::string& x_label,
                      const std::string& y_label) {
  std::string out = "<rect x=\"" + N(x0) + "\" y=\"" + N(y0) + "\" width=\"" + N(size) + "\" height=\"" +
                    N(size) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  out += "<line x1=\"" + N(x0) + "\" y1=\"" + N(y0 + size) + "\" x2=\"" + N(x0 + size) + "\" y2=\"" + N(y0) +
         "\" stroke=\"#aaa\" stroke-dasharray=\"4,4\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = t / 4.0;
    out += Text(x0 - 6, y0 + size - v * size + 4, FormatFixed(v, 2), "end", 10);
    out += Text(x0 + v * size, y0 + size + 14, FormatFixed(v, 2), "middle", 10);
  }
  out += Text(x0 + size / 2, y0 - 10, title, "middle", 13, " font-weight=\"bold\"");
  out += Text(x0 + size / 2, y0 + size + 30, x_label, "middle", 11);
  out += Text(x0 - 40, y0 + size / 2, y_label, "middle", 11,
              " transform=\"rotate(-90 " + N(x0 - 40) + " " + N(y0 + size / 2) + ")\"");
  return out;
}

std::string Polyline(const std::vector<std::pair<double, double>>& points, double x0, double y0, double size,
                     const char* colour) {
  std::string p;
  for (const auto& [x, y] : points) {
    if (std::isfinite(x) && std::isfinite(y)) p += N(x0 + x * size) + "," + N(y0 + size - y * size) + " ";
  }
  return std::string("<polyline fill=\"none\" stroke=\"") + colour + "\" stroke-width=\"2\" points=\"" + p +
         "\"/>\n";
}

}  // namespace

std::string EvaluationSvg(const std::vector<derm::v1::RunReport>& runs, bool test, EvaluationPlot kind) {
  const double size = 300, left = 70, top = 50, legend_w = kind == EvaluationPlot::kRoc ? 280 : 200;
  int max_classes = 0;
  for (const auto& r : runs) {
    std::string unused;
    if (const auto* m = ChosenSplit(r, test, &unused))
      max_classes = std::max(max_classes, m->evaluation().per_class_size());
  }
  const double block_w = left + size + legend_w;
  const double width = block_w * runs.size() + 20, height = top + std::max(size, 16.0 * max_classes) + 80;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + N(width) + "\" height=\"" +
                    N(height) + "\" viewBox=\"0 0 " + N(width) + " " + N(height) +
                    "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const double x0 = block_w * r + left;
    std::string title;
    const derm::v1::SplitMetrics* m = ChosenSplit(runs[r], test, &title);
    if (!m) {
      svg += Text(x0, top - 10, title + ": no evaluation recorded", "start", 13);
      continue;
    }
    const auto& e = m->evaluation();
    if (kind == EvaluationPlot::kRoc) {
      svg += UnitPanel(x0, top, size, title, "false positive rate (1 - specificity)", "sensitivity");
      for (int k = 0; k < e.per_class_size(); ++k) {
        const auto& c = e.per_class(k);
        std::vector<std::pair<double, double>> points;
        for (int i = 0; i < c.roc().x_size(); ++i) points.emplace_back(c.roc().x(i), c.roc().y(i));
        svg += Polyline(points, x0, top, size, kColours[k % 10]);
        const double ly = top + 14 + 16 * k;
        svg += std::string("<line x1=\"") + N(x0 + size + 12) + "\" y1=\"" + N(ly - 4) + "\" x2=\"" +
               N(x0 + size + 32) + "\" y2=\"" + N(ly - 4) + "\" stroke=\"" + kColours[k % 10] +
               "\" stroke-width=\"3\"/>\n";
        svg += Text(x0 + size + 38, ly,
                    c.class_name() + "  AUC " + (std::isnan(c.roc_auc()) ? "-" : FormatFixed(c.roc_auc(), 3)),
                    "start", 11);
      }
      svg += Text(x0, top + size + 48, "macro AUC " + FormatFixed(e.macro_roc_auc(), 3), "start", 11);
    } else {
      svg += UnitPanel(x0, top, size, title, "confidence (top probability)", "accuracy");
      std::vector<std::pair<double, double>> points;
      for (const auto& b : e.reliability()) {
        if (b.count() == 0) continue;
        points.emplace_back(b.confidence(), b.accuracy());
        svg += "<circle cx=\"" + N(x0 + b.confidence() * size) + "\" cy=\"" +
               N(top + size - b.accuracy() * size) + "\" r=\"" +
               N(2 + std::min(8.0, std::sqrt(static_cast<double>(b.count())))) +
               "\" fill=\"#1f77b4\" fill-opacity=\"0.5\"/>\n";
      }
      svg += Polyline(points, x0, top, size, kColours[0]);
      svg += Text(x0, top + size + 48,
                  "ECE " + FormatFixed(e.ece(), 4) + "  NLL " + FormatFixed(e.nll(), 4) + "  Brier " +
                      FormatFixed(e.brier(), 4),
                  "start", 11);
      svg += Text(x0, top + size + 64, "circle size: images in the bin", "start", 10);
    }
  }
  return svg + "</svg>\n";
}

}  // namespace derm::client
