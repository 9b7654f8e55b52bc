//===- Report.cpp - The search's frontier.json and report.html ------------===//
//
// Part of Fulcrum. docs/Search.md describes both files.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Search/Search.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <algorithm>

namespace fulcrum::search {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Rounded so that the file reads well and noise in the last bits of a
/// double does not show.
double round6(double v) { return std::round(v * 1e6) / 1e6; }

llvm::json::Object metricsJSON(const Metrics &m, bool labelled) {
  llvm::json::Object o{{"agreement", round6(m.agreement)},
                       {"snr_db", round6(m.snrDb)},
                       {"max_error", round6(m.maxError)}};
  if (labelled) {
    o["top1"] = round6(m.top1);
    o["top5"] = round6(m.top5);
    o["f1"] = round6(m.f1);
  }
  return o;
}

llvm::json::Array numbers(llvm::ArrayRef<int64_t> v) {
  llvm::json::Array a;
  for (int64_t x : v)
    a.push_back(x);
  return a;
}

std::string escape(llvm::StringRef s) {
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

llvm::Error writeFile(const std::string &path, llvm::StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return error(path + ": " + ec.message());
  os << text;
  return llvm::Error::success();
}

/// What the metric is called in the report.
std::string metricName(const SearchResult &r, const SearchOptions &o) {
  std::string m = stringifyMetric(o.metric).str();
  return r.labelled ? m : m + " agreement with the original";
}

std::string knobsText(const Config &c, const SearchResult &r) {
  return c.describe(r.contractions.size());
}

std::string svgPlot(const SearchResult &r, const SearchOptions &o) {
  const double w = 640, h = 400, left = 70, right = 20, top = 20, bottom = 50;
  double x0 = 1e300, x1 = 0, y0 = 1e300, y1 = -1e300;
  for (const Point &p : r.points) {
    x0 = std::min(x0, p.measuredMs);
    x1 = std::max(x1, p.measuredMs);
    double y = p.heldOut.get(o.metric, r.labelled);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  // The budget line is always in view.
  if (o.accuracyBudget >= 0 && !r.points.empty())
    y0 = std::min(y0, r.points.front().heldOut.get(o.metric, r.labelled) -
                          o.accuracyBudget);
  double padX = std::max(1e-3, (x1 - x0) * 0.08),
         padY = std::max(0.1, (y1 - y0) * 0.08);
  x0 = std::max(0.0, x0 - padX);
  x1 += padX;
  y0 -= padY;
  y1 += padY;
  auto sx = [&](double x) {
    return left + (x - x0) / (x1 - x0) * (w - left - right);
  };
  auto sy = [&](double y) {
    return top + (y1 - y) / (y1 - y0) * (h - top - bottom);
  };
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("<svg id=\"pareto\" xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n",
                      w, h);
  os << llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
                      "fill=\"#fafafa\" stroke=\"#888\"/>\n",
                      left, top, w - left - right, h - top - bottom);
  for (int i = 0; i <= 4; ++i) {
    double x = x0 + (x1 - x0) * i / 4, y = y0 + (y1 - y0) * i / 4;
    os << llvm::formatv("<text x=\"{0:F1}\" y=\"{1:F1}\" font-size=\"11\" "
                        "text-anchor=\"middle\">{2:F3}</text>\n",
                        sx(x), h - bottom + 16, x);
    os << llvm::formatv("<text x=\"{0:F1}\" y=\"{1:F1}\" font-size=\"11\" "
                        "text-anchor=\"end\">{2:F2}</text>\n",
                        left - 6, sy(y) + 4, y);
  }
  os << llvm::formatv(
      "<text x=\"{0:F1}\" y=\"{1:F1}\" font-size=\"12\" "
      "text-anchor=\"middle\">measured latency (ms; median of block minima), "
      "shorter is better</text>\n",
      left + (w - left - right) / 2, h - 10);
  os << llvm::formatv("<text x=\"14\" y=\"{0:F1}\" font-size=\"12\" "
                      "text-anchor=\"middle\" transform=\"rotate(-90 14 "
                      "{0:F1})\">held-out {1} (%)</text>\n",
                      top + (h - top - bottom) / 2, escape(metricName(r, o)));
  // The budget line.
  if (o.accuracyBudget >= 0) {
    double y =
        r.points.front().heldOut.get(o.metric, r.labelled) - o.accuracyBudget;
    if (y >= y0 && y <= y1)
      os << llvm::formatv("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:F1}\" "
                          "y2=\"{2:F1}\" stroke=\"#c00\" stroke-width=\"2\" "
                          "stroke-dasharray=\"4 3\"/><text x=\"{3}\" "
                          "y=\"{4:F1}\" font-size=\"11\" fill=\"#c00\" "
                          "text-anchor=\"end\">budget</text>\n",
                          left, w - right, sy(y), w - right - 4, sy(y) - 4);
  }
  std::vector<const Point *> frontier;
  for (const Point &p : r.points)
    if (p.onFrontier)
      frontier.push_back(&p);
  llvm::sort(frontier, [](const Point *a, const Point *b) {
    return a->measuredMs < b->measuredMs;
  });
  os << "<polyline class=\"frontier\" fill=\"none\" stroke=\"#1565c0\" "
        "stroke-width=\"1.5\" points=\"";
  for (const Point *p : frontier)
    os << llvm::formatv("{0:F1},{1:F1} ", sx(p->measuredMs),
                        sy(p->heldOut.get(o.metric, r.labelled)));
  os << "\"/>\n";
  // Points are drawn in layers, the chosen one last, so that a point measured
  // near it never covers it: off-frontier points, then the frontier, then the
  // chosen point.
  std::vector<const Point *> order;
  for (int layer = 0; layer < 3; ++layer)
    for (const Point &p : r.points)
      if ((p.chosen ? 2 : p.onFrontier ? 1 : 0) == layer)
        order.push_back(&p);
  for (const Point *pp : order) {
    const Point &p = *pp;
    const char *fill = p.chosen       ? "#2e7d32"
                       : p.onFrontier ? "#1565c0"
                                      : "#9e9e9e";
    // Frontier points are ringed in the frontier's colour, the chosen one
    // too (a frontier of one point has no line to draw).
    os << llvm::formatv(
        "<circle class=\"point\" cx=\"{0:F1}\" cy=\"{1:F1}\" r=\"{2}\" "
        "fill=\"{3}\"{8}><title>#{4} {5}: {6:F3} ms, {7:F2}%</title>"
        "</circle>\n",
        sx(p.measuredMs), sy(p.heldOut.get(o.metric, r.labelled)),
        p.chosen ? 7 : 4, fill, p.id, escape(p.config.name()), p.measuredMs,
        p.heldOut.get(o.metric, r.labelled),
        p.onFrontier ? " stroke=\"#1565c0\" stroke-width=\"2.5\"" : "");
  }
  os << "</svg>\n";
  return s;
}

std::string pointRow(const Point &p, const SearchResult &r,
                     const SearchOptions &o) {
  const Point &base = r.points.front();
  double m = p.heldOut.get(o.metric, r.labelled);
  return llvm::formatv(
             "<tr{0}><td>{1}</td><td>{2}</td><td>{3}</td><td>{4:F3}</td>"
             "<td>{5:F3}</td><td>{6:F2}</td><td>{7:F2}</td><td>{8:+F2}</td>"
             "<td>{9:F2}</td><td>{10:F1}</td><td>{11:F3}</td><td>{12}</td>"
             "<td>{13}</td></tr>\n",
             p.chosen ? " class=\"chosen\"" : "", p.id, escape(p.step),
             escape(knobsText(p.config, r)), p.predictedMs, p.measuredMs,
             p.sizeMB, m, m - base.heldOut.get(o.metric, r.labelled),
             p.heldOut.agreement, p.heldOut.snrDb, p.heldOut.maxError,
             p.withinBudget ? "yes" : "no", p.onFrontier ? "yes" : "no")
      .str();
}

std::string html(const SearchResult &r, const SearchOptions &o) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>Fulcrum search: "
     << escape(llvm::sys::path::filename(o.modelPath))
     << "</title>\n<style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid "
        "#ccc;padding:2px 6px;text-align:right}td:nth-child(3){text-align:"
        "left}tr.chosen{background:#e8f5e9}</style></head><body>\n";
  os << "<h1>Trade-off search: " << escape(o.modelPath) << "</h1>\n";
  const Point &base = r.points.front();
  os << "<p>Budget: ";
  std::vector<std::string> budgets;
  if (o.accuracyBudget >= 0)
    budgets.push_back(llvm::formatv("{0} points of {1}", o.accuracyBudget,
                                    escape(metricName(r, o)))
                          .str());
  if (o.latencyBudgetMs > 0)
    budgets.push_back(llvm::formatv("{0} ms", o.latencyBudgetMs).str());
  if (o.sizeBudgetMB > 0)
    budgets.push_back(llvm::formatv("{0} MB", o.sizeBudgetMB).str());
  os << llvm::join(budgets, ", ") << ". Seed " << o.seed << ", "
     << r.points.size() << " points evaluated in "
     << llvm::formatv("{0:F1}", r.seconds) << " s.</p>\n";
  if (r.chosen >= 0) {
    const Point &c = r.points[r.chosen];
    os << llvm::formatv(
        "<p id=\"chosen\">Chosen: <b>#{0} {1}</b>: measured {2:F3} ms "
        "({3:F2}x faster than the original's {4:F3} ms), held-out {5} "
        "{6:F2}% (original {7:F2}%).</p>\n",
        c.id, escape(knobsText(c.config, r)), c.measuredMs,
        base.measuredMs / c.measuredMs, base.measuredMs,
        escape(metricName(r, o)), c.heldOut.get(o.metric, r.labelled),
        base.heldOut.get(o.metric, r.labelled));
  } else {
    os << "<p id=\"chosen\">No evaluated configuration meets the "
          "budget.</p>\n";
  }
  os << "<h2>Accuracy against latency</h2>\n" << svgPlot(r, o);
  os << "<p>Blue: the Pareto frontier (ringed points); green: the chosen "
        "point; red: the "
        "accuracy budget below the original.</p>\n";
  const char *header =
      "<tr><th>#</th><th>step</th><th>knobs</th><th>predicted ms</th>"
      "<th>measured ms</th><th>weights MB</th><th>held-out %</th>"
      "<th>&Delta; pp</th><th>agreement %</th><th>SNR dB</th>"
      "<th>max error</th><th>in budget</th><th>frontier</th></tr>\n";
  os << "<h2>Frontier</h2>\n<table id=\"frontier\">" << header;
  for (const Point &p : r.points)
    if (p.onFrontier)
      os << pointRow(p, r, o);
  os << "</table>\n<h2>Every evaluated point (predicted against measured "
        "cost)</h2>\n<table id=\"points\">"
     << header;
  for (const Point &p : r.points)
    os << pointRow(p, r, o);
  os << "</table>\n<h2>Per-knob decisions</h2>\n<p>Loss: the knob alone, on "
        "the sensitivity part; gain: the cost model's predicted time "
        "saved.</p>\n<table id=\"knobs\"><tr><th>knob</th><th>loss pp</th>"
        "<th>predicted gain ms</th><th>measured alone ms</th>"
        "<th>decision</th></tr>\n";
  for (const KnobDecision &k : r.knobs)
    os << llvm::formatv("<tr><td>{0}</td><td>{1:+F2}</td><td>{2:F4}</td>"
                        "<td>{3:F3}</td><td>{4}</td></tr>\n",
                        escape(k.knob), k.lossPp, k.gainMs, k.measuredMs,
                        k.removedInCombination
                            ? "left out: the combination is faster without it"
                        : k.chosen && k.measuredSlower
                            ? "applied (slower alone)"
                        : k.chosen    ? "applied"
                        : k.backedOff ? "backed off"
                                      : "not taken");
  os << "</table>\n";
  if (r.labelled && r.chosen >= 0) {
    const Point &c = r.points[r.chosen];
    os << "<h2>Per-class precision and recall (held-out)</h2>\n<table "
          "id=\"classes\"><tr><th>class</th><th>original precision</th>"
          "<th>original recall</th><th>chosen precision</th><th>chosen "
          "recall</th></tr>\n";
    for (size_t k = 0; k < c.heldOut.precision.size(); ++k)
      os << llvm::formatv("<tr><td>{0}</td><td>{1:F2}</td><td>{2:F2}</td>"
                          "<td>{3:F2}</td><td>{4:F2}</td></tr>\n",
                          k, base.heldOut.precision[k], base.heldOut.recall[k],
                          c.heldOut.precision[k], c.heldOut.recall[k]);
    os << "</table>\n";
  }
  os << llvm::formatv(
      "<h2>Data</h2>\n<p>Eval data {0}: {1} samples, split by seed {2} into "
      "{3} for sensitivity and {4} held out for the budget check "
      "(frontier.json lists them). Calibration: {5}.</p>\n",
      escape(o.evalData), r.sensitivityIndices.size() + r.heldOutIndices.size(),
      o.seed, r.sensitivityIndices.size(), r.heldOutIndices.size(),
      o.calibrationData.empty() ? std::string("none")
                                : escape(o.calibrationData));
  auto indices = [&](llvm::StringRef id, llvm::ArrayRef<int64_t> v) {
    os << "<details id=\"" << id << "\"><summary>" << id << " (" << v.size()
       << " samples)</summary><p>";
    for (auto [i, x] : llvm::enumerate(v))
      os << (i ? " " : "") << x;
    os << "</p></details>\n";
  };
  indices("sensitivity", r.sensitivityIndices);
  indices("held-out", r.heldOutIndices);
  os << "</body></html>\n";
  return s;
}
} // namespace

llvm::Error writeReport(const SearchResult &r, const SearchOptions &o) {
  if (std::error_code ec = llvm::sys::fs::create_directories(o.reportDir))
    return error(o.reportDir + ": " + ec.message());
  llvm::json::Array points;
  for (const Point &p : r.points) {
    llvm::json::Array int8;
    for (const std::string &l : p.config.int8Layers)
      int8.push_back(l);
    points.push_back(llvm::json::Object{
        {"id", p.id},
        {"step", p.step},
        {"name", p.config.name()},
        {"knobs",
         llvm::json::Object{{"int8", std::move(int8)},
                            {"prune", p.config.pruneRatio},
                            {"attention_window", p.config.attentionWindow},
                            {"heads_keep", p.config.headsKeep}}},
        {"predicted_ms", round6(p.predictedMs)},
        {"measured_ms", round6(p.measuredMs)},
        {"measured_min_ms", round6(p.minMs)},
        {"weights_mb", round6(p.sizeMB)},
        {"sensitivity", metricsJSON(p.sensitivity, r.labelled)},
        {"held_out", metricsJSON(p.heldOut, r.labelled)},
        {"all", metricsJSON(p.all, r.labelled)},
        {"within_budget", p.withinBudget},
        {"on_frontier", p.onFrontier},
        {"chosen", p.chosen}});
  }
  llvm::json::Array knobs;
  for (const KnobDecision &k : r.knobs)
    knobs.push_back(
        llvm::json::Object{{"knob", k.knob},
                           {"loss_pp", round6(k.lossPp)},
                           {"gain_ms", round6(k.gainMs)},
                           {"measured_ms", round6(k.measuredMs)},
                           {"measured_slower", k.measuredSlower},
                           {"chosen", k.chosen},
                           {"backed_off", k.backedOff},
                           {"removed_in_combination", k.removedInCombination}});
  llvm::json::Array contractions;
  for (const std::string &c : r.contractions)
    contractions.push_back(c);
  llvm::json::Object budget;
  if (o.accuracyBudget >= 0)
    budget["accuracy_pp"] = o.accuracyBudget;
  if (o.latencyBudgetMs > 0)
    budget["latency_ms"] = o.latencyBudgetMs;
  if (o.sizeBudgetMB > 0)
    budget["size_mb"] = o.sizeBudgetMB;
  llvm::json::Object root{
      {"model", o.modelPath},
      {"metric", stringifyMetric(o.metric)},
      {"labelled", r.labelled},
      {"seed", static_cast<int64_t>(o.seed)},
      {"latency_tolerance", o.latencyTolerance},
      {"budget", std::move(budget)},
      {"classes", r.numClasses},
      {"contractions", std::move(contractions)},
      {"split",
       llvm::json::Object{{"eval_data", o.evalData},
                          {"calibration_data", o.calibrationData},
                          {"sensitivity", numbers(r.sensitivityIndices)},
                          {"held_out", numbers(r.heldOutIndices)}}},
      {"knobs", std::move(knobs)},
      {"points", std::move(points)},
      {"chosen", r.chosen}};
  std::string json;
  llvm::raw_string_ostream os(json);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  llvm::SmallString<256> path(o.reportDir);
  llvm::sys::path::append(path, "frontier.json");
  if (llvm::Error err = writeFile(path.str().str(), json))
    return err;
  path = o.reportDir;
  llvm::sys::path::append(path, "report.html");
  return writeFile(path.str().str(), html(r, o));
}

} // namespace fulcrum::search
