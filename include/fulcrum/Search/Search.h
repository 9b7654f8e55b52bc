//===- Search.h - The trade-off search --------------------------*- C++ -*-===//
//
// Part of Fulcrum. What `fulcrum-compile MODEL --accuracy-budget=0.5
// --eval-data X.npy --labels Y.npy --report-dir R -o best.so` does: it
// searches per-layer precision (int8 or fp32 for each contraction), a
// structured-pruning ratio and, for models with attention, a local-attention
// window, for the fastest model within a budget:
//
//   1. the eval data is split deterministically by the seed into a
//      sensitivity part and a held-out part;
//   2. the unchanged model (fp32) is compiled, JIT-run and timed;
//   3. every knob is applied alone: its loss is measured on the sensitivity
//      part by JIT execution, its gain is the cost model's predicted time
//      saved;
//   4. knobs are taken greedily by gain per unit of loss while the summed
//      losses stay within the budget (a knob measured slower than the
//      original alone is not taken, whatever the cost model says);
//   5. the combined configuration is compiled and measured; while its
//      loss exceeds the budget on the held-out part (or on the sensitivity
//      part), the most damaging knob (the one that changed the most
//      predictions alone) is dropped and the rest measured again;
//   6. every evaluated point is written to R/frontier.json and
//      R/report.html, and the fastest point (by measured latency) whose
//      loss is within the budget on both parts is written to the output.
//
// Without labels, accuracy is fidelity to the original model: the share of
// images whose top-1 class agrees with it, with its SNR and maximum error.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_SEARCH_SEARCH_H
#define FULCRUM_SEARCH_SEARCH_H

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Quantization/Quantize.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fulcrum::search {

/// What the budget and the reported accuracy are measured in.
enum class Metric { Top1, Top5, F1 };
std::optional<Metric> parseMetric(llvm::StringRef name);
llvm::StringRef stringifyMetric(Metric metric);

struct SearchOptions {
  std::string modelPath;
  /// Percentage points of the metric the search may lose (< 0: none
  /// given).
  double accuracyBudget = -1;
  /// Predicted-and-measured latency (ms) and model size (MB) limits (<= 0:
  /// none). With only these, the search loses as little accuracy as it can
  /// while meeting them.
  double latencyBudgetMs = 0;
  double sizeBudgetMB = 0;
  Metric metric = Metric::Top1;
  std::string calibrationData;
  int64_t calibrationCount = 0;
  quant::CalibrationMethod calibrationMethod = quant::CalibrationMethod::MinMax;
  /// The quantized layers' weight bits (QuantizeOptions::weightBits).
  unsigned weightBits = 8;
  std::string evalData;
  /// Without labels: fidelity to the original model.
  std::string labels;
  /// Use the first N eval samples (0: all).
  int64_t evalCount = 0;
  /// The share of the eval samples held out for the budget check.
  double heldOutFraction = 0.5;
  uint64_t seed = 0;
  std::string reportDir;
  /// The chosen artifact (its suffix picks the kind, as for a compile).
  std::string outputPath;
  /// Pruning ratios (MAC fractions) tried as knobs; empty: none.
  std::vector<double> pruneRatios = {0.1, 0.2, 0.3, 0.5};
  /// Local-attention windows tried as knobs (for models with attention).
  std::vector<int64_t> attentionWindows = {16, 8};
  /// Fractions of the attention heads kept, tried as knobs (for models
  /// whose attention blocks have prunable heads; the heads measured by
  /// their effect on the outputs, --prune-criterion=activation).
  std::vector<double> attentionHeadsKeep = {0.75};
  /// Timed calls per point (in blocks of ten; at least this many, more to
  /// last 0.4 s, up to 20x) and the batch they run.
  unsigned latencyRuns = 200;
  /// Measured latencies within this fraction of each other are the same
  /// to the search (timing noise): the refine step, the frontier and the
  /// choice then go by the cost model's prediction, which every run
  /// computes alike (see compareLatency).
  double latencyTolerance = 0.05;
  int64_t latencyBatch = 1;
  /// Threads a timed call runs on (and the cost model prices).
  unsigned latencyThreads = 1;
  /// Threads the accuracy runs spread their batches over.
  unsigned evalThreads = 2;
  /// Write the independent evaluations as a Ninja file instead of running
  /// them; each step runs `command` with `--search-point=I`.
  std::string emitPlan;
  std::vector<std::string> command;
  /// Measure only the I-th independent evaluation into the cache.
  int64_t searchPoint = -1;
};

/// One configuration: the knobs applied.
struct Config {
  /// Contractions (ONNX node names) run in int8; the others stay fp32.
  std::vector<std::string> int8Layers;
  double pruneRatio = 0;
  int64_t attentionWindow = 0;
  /// The fraction of the attention heads kept (0: all).
  double headsKeep = 0;
  /// `fp32`, `int8:/conv1/Conv+prune:0.25`, ...
  std::string name() const;
  /// Short: `int8 (7 of 10), prune 0.25`.
  std::string describe(size_t contractions) const;
  bool operator==(const Config &other) const;
};

/// The metrics of one point on one part of the eval data, in percent.
struct Metrics {
  double top1 = 0, top5 = 0, f1 = 0;
  /// Against the original model's outputs.
  double agreement = 0, snrDb = 0, maxError = 0;
  /// Per-class precision and recall (labels only), in percent.
  std::vector<double> precision, recall;
  double get(Metric m, bool labelled) const;
};

/// One evaluated configuration.
struct Point {
  int id = 0;
  /// Why it was evaluated: baseline, sensitivity, reference, combined,
  /// back-off.
  std::string step;
  Config config;
  /// Predicted; measured: the median over blocks of ten timed calls of
  /// each block's fastest (and the fastest call of all).
  double predictedMs = 0, measuredMs = 0, minMs = 0, sizeMB = 0;
  Metrics sensitivity, heldOut, all;
  bool onFrontier = false, withinBudget = false, chosen = false;
  /// Read from the result cache.
  bool cached = false;
};

/// A per-knob decision, for the report.
struct KnobDecision {
  std::string knob;
  double lossPp = 0, gainMs = 0;
  /// The knob alone, measured; slower: not below the original's.
  double measuredMs = 0;
  bool chosen = false, backedOff = false, measuredSlower = false;
  /// Allocated, but the combination measured faster without it, by more
  /// than the latency tolerance (the refine step).
  bool removedInCombination = false;
};

struct SearchResult {
  std::vector<Point> points;
  std::vector<KnobDecision> knobs;
  std::vector<int64_t> sensitivityIndices, heldOutIndices;
  std::vector<std::string> contractions;
  int chosen = -1;
  bool labelled = false;
  int64_t numClasses = 0;
  double seconds = 0;
  int cachedPoints = 0;
  /// --emit-plan or --search-point: nothing more to write.
  bool planOnly = false;
};

/// Checks `options` (budgets, files, metric needs); returns the problem as
/// `error` text, empty when they are fine.
std::string validateSearchOptions(const SearchOptions &options);

/// Runs the search for `options.modelPath` compiled with `compile`, priced
/// on `target`; prints progress lines to `progress`, writes the report and
/// the chosen artifact. Errors name the file they concern.
llvm::Expected<SearchResult> runSearch(mlir::MLIRContext &context,
                                       const CompileOptions &compile,
                                       const cost::TargetDescription &target,
                                       const SearchOptions &options,
                                       llvm::raw_ostream &progress);

/// Which of two points is faster: -1 when `a` is, 1 when `b` is, 0 when
/// neither. A measured latency more than `tolerance` (a fraction) below
/// the other's decides; within that band the predicted latency does, and
/// equal predictions are a tie.
int compareLatency(const Point &a, const Point &b, double tolerance);

/// Marks the Pareto frontier of `points`: a point is on it when no other
/// point has a held-out metric at least as high and is not slower
/// (compareLatency), one of the two strictly.
void markFrontier(std::vector<Point> &points, Metric metric, bool labelled,
                  double tolerance);

/// `R/frontier.json` and `R/report.html`.
llvm::Error writeReport(const SearchResult &result,
                        const SearchOptions &options);

} // namespace fulcrum::search

#endif // FULCRUM_SEARCH_SEARCH_H
