//===- Search.cpp - The trade-off search ----------------------------------===//
//
// Part of Fulcrum. Search.h describes the method; Report.cpp writes what it
// found.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Search/Search.h"

#include "Cache.h"

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Execution/Evaluate.h"
#include "fulcrum/Prune/PruneModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <tuple>

using namespace mlir;

namespace fulcrum::search {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}
} // namespace

std::optional<Metric> parseMetric(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Metric>>(name)
      .Case("top1", Metric::Top1)
      .Case("top5", Metric::Top5)
      .Case("f1", Metric::F1)
      .Default(std::nullopt);
}

llvm::StringRef stringifyMetric(Metric metric) {
  switch (metric) {
  case Metric::Top1:
    return "top1";
  case Metric::Top5:
    return "top5";
  case Metric::F1:
    return "f1";
  }
  return "top1";
}

std::string Config::name() const {
  std::vector<std::string> parts;
  if (!int8Layers.empty())
    parts.push_back("int8:" + llvm::join(int8Layers, ","));
  if (pruneRatio > 0)
    parts.push_back(llvm::formatv("prune:{0}", pruneRatio).str());
  if (attentionWindow > 0)
    parts.push_back("window:" + std::to_string(attentionWindow));
  if (headsKeep > 0)
    parts.push_back(llvm::formatv("heads:{0}", headsKeep).str());
  return parts.empty() ? "fp32" : llvm::join(parts, "+");
}

std::string Config::describe(size_t contractions) const {
  std::vector<std::string> parts;
  if (int8Layers.size() == 1)
    parts.push_back("int8 " + int8Layers.front());
  else if (!int8Layers.empty())
    parts.push_back(int8Layers.size() == contractions
                        ? std::string("int8 (all)")
                        : llvm::formatv("int8 ({0} of {1})", int8Layers.size(),
                                        contractions)
                              .str());
  if (pruneRatio > 0)
    parts.push_back(llvm::formatv("prune {0}", pruneRatio).str());
  if (attentionWindow > 0)
    parts.push_back("window " + std::to_string(attentionWindow));
  if (headsKeep > 0)
    parts.push_back(llvm::formatv("heads kept {0}", headsKeep).str());
  return parts.empty() ? "fp32" : llvm::join(parts, ", ");
}

bool Config::operator==(const Config &other) const {
  return int8Layers == other.int8Layers && pruneRatio == other.pruneRatio &&
         attentionWindow == other.attentionWindow &&
         headsKeep == other.headsKeep;
}

double Metrics::get(Metric m, bool) const {
  switch (m) {
  case Metric::Top1:
    return top1;
  case Metric::Top5:
    return top5;
  case Metric::F1:
    return f1;
  }
  return top1;
}

std::string validateSearchOptions(const SearchOptions &o) {
  if (o.latencyBudgetMs < 0 || o.sizeBudgetMB < 0)
    return "--latency-budget and --size-budget must be positive";
  if (o.accuracyBudget < 0 && o.latencyBudgetMs <= 0 && o.sizeBudgetMB <= 0)
    return "the search needs a budget: --accuracy-budget (at least 0), "
           "--latency-budget or --size-budget";
  if (o.accuracyBudget > 100)
    return "--accuracy-budget is in percentage points: at most 100";
  if (o.evalData.empty())
    return "the search needs --eval-data (images to measure accuracy on)";
  if (o.outputPath.empty())
    return "the search needs -o (where the chosen artifact goes)";
  if (o.reportDir.empty())
    return "the search needs --report-dir (where frontier.json and "
           "report.html go)";
  if (o.evalCount < 0)
    return "--eval-count must be at least 0";
  if (!(o.heldOutFraction > 0 && o.heldOutFraction < 1))
    return "--held-out must be in (0, 1)";
  if (!(o.latencyTolerance >= 0 && o.latencyTolerance < 1))
    return "--latency-tolerance must be in [0, 1)";
  for (double r : o.pruneRatios)
    if (!(r > 0 && r < 1))
      return "--search-prune ratios must be in (0, 1)";
  for (double f : o.attentionHeadsKeep)
    if (!(f > 0 && f < 1))
      return "--search-heads fractions must be in (0, 1)";
  if (!o.pruneRatios.empty() && o.calibrationData.empty())
    return "the search prunes with reconstruction and quantizes: it needs "
           "--calibration-data (or --search-prune=none and no int8)";
  return "";
}

//===----------------------------------------------------------------------===//
// Measuring one configuration
//===----------------------------------------------------------------------===//

namespace {

/// Appends the fastest call of each block of ten (of `ms`) to `minima`:
/// other processes only add time, in bursts longer than a call.
void appendBlockMinima(const std::vector<double> &ms,
                       std::vector<double> &minima) {
  for (size_t b = 0; b < ms.size(); b += 10)
    minima.push_back(*std::min_element(
        ms.begin() + b, ms.begin() + std::min(ms.size(), b + 10)));
}

/// The eval data and everything a point is measured against.
struct EvalSet {
  HostTensor images;
  /// True labels, or the original model's classes without labels.
  std::vector<int64_t> labels;
  bool labelled = false;
  /// The original model's outputs, [N, C] row-major.
  std::vector<float> reference;
  int64_t classes = 0;
  std::vector<int64_t> sensitivity, heldOut, all;
};

/// The first output of the model on every image, as [N, C] floats.
llvm::Expected<std::vector<float>> runAll(ModelRunner &runner,
                                          const HostTensor &images,
                                          unsigned threads, int64_t &classes) {
  if (runner.inputs().size() != 1 || runner.outputs().empty())
    return error("the search needs a model with one input (the images)");
  const TensorSignature &in = runner.inputs().front();
  int64_t n = images.shape[0];
  bool dynamic = in.shape.empty() || in.shape[0] < 0;
  int64_t batch = dynamic ? 100 : in.shape[0];
  std::vector<float> out;
  for (int64_t begin = 0; begin < n; begin += batch) {
    int64_t end = std::min(n, begin + batch);
    HostTensor slice = sliceRows(images, begin, end);
    if (!dynamic && end - begin < batch) {
      slice.shape[0] = batch;
      slice.data.resize(batch * (images.data.size() / n), 0);
    }
    auto results =
        dynamic ? runSplit(runner, {slice}, threads) : runner.run({slice});
    if (!results)
      return results.takeError();
    const HostTensor &logits = results->front();
    if (logits.dataType != 1 || logits.shape.size() != 2 ||
        logits.shape[0] != slice.shape[0])
      return error("the search needs a classifier: a float32 [N, classes] "
                   "first output, not " +
                   logits.describe());
    classes = logits.shape[1];
    const float *data = reinterpret_cast<const float *>(logits.data.data());
    out.insert(out.end(), data, data + (end - begin) * classes);
  }
  return out;
}

int64_t argmax(const float *row, int64_t classes) {
  return std::max_element(row, row + classes) - row;
}

/// The metrics of `out` on the samples `indices`.
Metrics measure(const EvalSet &set, const std::vector<float> &out,
                llvm::ArrayRef<int64_t> indices) {
  Metrics m;
  int64_t c = set.classes;
  std::vector<double> tp(c, 0), fp(c, 0), fn(c, 0);
  double signal = 0, noise = 0, top1 = 0, top5 = 0, agree = 0;
  for (int64_t i : indices) {
    const float *row = &out[i * c];
    const float *ref = &set.reference[i * c];
    int64_t label = set.labels[i], pred = argmax(row, c);
    top1 += pred == label;
    agree += pred == argmax(ref, c);
    int64_t above = 0;
    for (int64_t k = 0; k < c; ++k)
      above += row[k] > row[label];
    top5 += above < 5;
    if (pred == label)
      tp[pred] += 1;
    else {
      fp[pred] += 1;
      if (label >= 0 && label < c)
        fn[label] += 1;
    }
    for (int64_t k = 0; k < c; ++k) {
      double d = double(row[k]) - ref[k];
      signal += double(ref[k]) * ref[k];
      noise += d * d;
      m.maxError = std::max(m.maxError, std::abs(d));
    }
  }
  double n = std::max<size_t>(1, indices.size());
  m.top1 = 100 * top1 / n;
  m.top5 = 100 * top5 / n;
  m.agreement = 100 * agree / n;
  m.snrDb = noise > 0 ? 10 * std::log10(signal / noise) : 200;
  double f1 = 0;
  for (int64_t k = 0; k < c; ++k) {
    double p = tp[k] + fp[k] > 0 ? tp[k] / (tp[k] + fp[k]) : 0;
    double r = tp[k] + fn[k] > 0 ? tp[k] / (tp[k] + fn[k]) : 0;
    m.precision.push_back(100 * p);
    m.recall.push_back(100 * r);
    f1 += p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  m.f1 = 100 * f1 / std::max<int64_t>(1, c);
  return m;
}

/// The bytes of the constants of `func` (weights, biases, scales).
double constantMB(func::FuncOp func) {
  double bytes = 0;
  func.walk([&](Operation *op) {
    if (op->getNumOperands() != 0)
      return;
    for (NamedAttribute attr : op->getAttrs())
      if (auto elements = dyn_cast<ElementsAttr>(attr.getValue()))
        bytes += elements.getNumElements() *
                 std::max<unsigned>(
                     8, elements.getElementType().getIntOrFloatBitWidth()) /
                 8.0;
  });
  return bytes / 1e6;
}

class Searcher {
public:
  Searcher(MLIRContext &context, const CompileOptions &compile,
           const cost::TargetDescription &target, const SearchOptions &options,
           llvm::raw_ostream &progress)
      : context(context), compile(compile), target(target), options(options),
        progress(progress), cache(options.reportDir + "/cache") {}

  llvm::Expected<SearchResult> run();
  /// Compiles `config` afresh and writes it to the output.
  llvm::Error writeArtifact(const Config &config);

private:
  struct Knob {
    Config delta;
    std::string name;
    /// Knobs of one group exclude each other (pruning levels, windows).
    int group = -1;
    double lossPp = 0, gainMs = 0, gainMB = 0;
    /// The share of sensitivity samples whose class it changed (pp).
    double flipsPp = 0;
    int point = -1;
    bool measuredSlower = false;
  };

  llvm::Error loadData();
  /// Compiles `config`, prices, runs and times it; records the point.
  llvm::Expected<int> evaluate(const Config &config, llvm::StringRef step);
  llvm::Error compileConfig(CompileSession &session, const Config &config);
  /// The compile options of `config`'s session (its attention window).
  CompileOptions configOptions(const Config &config) const {
    CompileOptions opts = compile;
    opts.applyPassManagerCLOptions = false;
    if (config.attentionWindow > 0)
      opts.pipeline.attentionWindow = config.attentionWindow;
    return opts;
  }
  /// The input of the timed calls: the first latencyBatch images (or the
  /// runner's static batch).
  HostTensor timingBatch(const ModelRunner &runner) const;
  /// Times every point again, interleaved, and replaces their measured
  /// latencies (see docs/Search.md, "Re-time").
  llvm::Error retime();
  Config combine(llvm::ArrayRef<const Knob *> knobs) const;
  double loss(const Metrics &base, const Metrics &m) const {
    return base.get(options.metric, set.labelled) -
           m.get(options.metric, set.labelled);
  }
  bool withinBudget(const Point &p) const;
  void report(const Point &p);
  std::string clock(double seconds) const {
    int s = static_cast<int>(std::lround(seconds));
    char text[32];
    snprintf(text, sizeof(text), "%02d:%02d", s / 60, s % 60);
    return text;
  }

  MLIRContext &context;
  CompileOptions compile;
  const cost::TargetDescription &target;
  const SearchOptions &options;
  llvm::raw_ostream &progress;
  EvalSet set;
  std::vector<HostTensor> calibration;
  SearchResult result;
  std::chrono::steady_clock::time_point start;
  std::string stepName;
  int planned = 0;
  std::vector<std::string> contractions;
  bool hasAttention = false;
  ResultCache cache;
  int cachedPoints = 0;
  /// The code of the points evaluated in this process, by cache key.
  std::map<std::string, std::unique_ptr<ModelRunner>> runners;

  /// Compiles, prices, runs and times `config`, or reads it from the
  /// cache (`cached` says which).
  llvm::Expected<Measurement> measureConfig(const Config &config, bool &cached);
  void initCacheKey();
  llvm::Error detectAttention();
};

llvm::Error Searcher::loadData() {
  auto images = readTensorFile(options.evalData);
  if (!images)
    return error(options.evalData + ": " + toString(images.takeError()));
  if (images->shape.size() < 2 || images->shape[0] < 2)
    return error(options.evalData +
                 ": the eval data needs a sample dimension and at least two "
                 "samples, not " +
                 images->describe());
  int64_t n = images->shape[0];
  if (options.evalCount > 0 && options.evalCount < n)
    n = options.evalCount;
  set.images = sliceRows(*images, 0, n);
  if (!options.labels.empty()) {
    auto labels = readTensorFile(options.labels);
    if (!labels)
      return error(options.labels + ": " + toString(labels.takeError()));
    if (labels->shape.size() != 1)
      return error(options.labels +
                   ": the labels must be one-dimensional, "
                   "not " +
                   labels->describe());
    if (labels->shape[0] != images->shape[0])
      return error(options.labels + ": there are " +
                   llvm::Twine(labels->shape[0]) + " labels for " +
                   llvm::Twine(images->shape[0]) + " images in " +
                   options.evalData);
    auto read = readLabels(sliceRows(*labels, 0, n), n);
    if (!read)
      return error(options.labels + ": " + toString(read.takeError()));
    set.labels = std::move(*read);
    set.labelled = true;
  }
  // The split: a Fisher-Yates shuffle by the seed (mt19937_64 is the same
  // sequence everywhere; std::shuffle is not).
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  std::mt19937_64 rng(options.seed);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng() % (i + 1)]);
  int64_t held =
      std::clamp<int64_t>(std::llround(n * options.heldOutFraction), 1, n - 1);
  set.heldOut.assign(order.begin(), order.begin() + held);
  set.sensitivity.assign(order.begin() + held, order.end());
  llvm::sort(set.heldOut);
  llvm::sort(set.sensitivity);
  set.all = order;
  llvm::sort(set.all);
  result.sensitivityIndices = set.sensitivity;
  result.heldOutIndices = set.heldOut;
  result.labelled = set.labelled;
  return llvm::Error::success();
}

llvm::Error Searcher::compileConfig(CompileSession &session,
                                    const Config &config) {
  if (failed(session.loadFile(options.modelPath)))
    return llvm::make_error<ReportedError>("cannot load the model");
  if (config.pruneRatio > 0 || config.headsKeep > 0) {
    prune::PruneOptions p;
    p.macReduction = config.pruneRatio;
    // Channels by their weights; heads kept by a fraction, by their effect
    // on the outputs (the weights' norms lose 2.2 points where this loses
    // 0.9 on the Fashion-MNIST ViT at 75 %). Without it, heads go with the
    // channels under the MAC target, by the same criterion.
    p.headsKeep = config.headsKeep;
    if (config.headsKeep > 0)
      p.headCriterion = prune::Criterion::Activation;
    p.calibrationData = options.calibrationData;
    p.maxSamples =
        options.calibrationCount > 0 ? options.calibrationCount : 500;
    p.threads = options.latencyThreads;
    std::string discard;
    llvm::raw_string_ostream os(discard);
    if (failed(prune::pruneModel(session, target, p, os)))
      return llvm::make_error<ReportedError>("pruning failed");
  }
  if (!config.int8Layers.empty()) {
    quant::QuantizeOptions q;
    q.calibration.method = options.calibrationMethod;
    q.count = options.calibrationCount;
    q.weightBits = options.weightBits;
    for (const std::string &name : contractions)
      if (!llvm::is_contained(config.int8Layers, name))
        q.keepFloat.push_back(name);
    auto report = quant::quantizeModel(session, calibration, q);
    if (!report)
      return report.takeError();
  }
  return llvm::Error::success();
}

llvm::Expected<Measurement> Searcher::measureConfig(const Config &config,
                                                    bool &cached) {
  std::string key = cache.key(config);
  cached = false;
  if (auto m = cache.read(key, set.images.shape[0])) {
    cached = true;
    return std::move(*m);
  }
  CompileSession session(context, configOptions(config));
  if (llvm::Error err = compileConfig(session, config))
    return std::move(err);
  Measurement m;
  m.attention = hasAttention;
  if (failed(session.runTo(CompilePhase::Graph)))
    return llvm::make_error<ReportedError>("compilation failed");
  auto func = session.getModule().lookupSymbol<func::FuncOp>(
      compile.pipeline.entryPoint);
  if (!func)
    return error("no entry point @" + compile.pipeline.entryPoint);
  cost::CostOptions costOptions;
  costOptions.threads = options.latencyThreads;
  costOptions.winograd = compile.pipeline.winograd;
  auto layers = cost::estimateRegion(func.getBody(), target, costOptions);
  m.predictedMs = 1e3 * cost::getTotalSeconds(layers, target);
  m.sizeMB = constantMB(func);
  // The point runs from the shared library it would ship as, written to
  // the cache and loaded from there, as --collect loads a plan step's: the
  // JIT's placement of the same code timed up to a few percent apart from
  // the library's, point by point, which moved pairs of points across the
  // tolerance band between a plan and a one-process search. (A target
  // without shared libraries runs through its JIT, and --collect compiles
  // its points again.)
  llvm::Expected<std::unique_ptr<ModelRunner>> runner = nullptr;
  if (llvm::is_contained(session.getTarget().getArtifactKinds(),
                         ArtifactKind::SharedLibrary)) {
    std::string artifact = cache.artifactPath(key);
    if (std::error_code ec = llvm::sys::fs::create_directories(
            llvm::sys::path::parent_path(artifact)))
      return error(artifact + ": " + ec.message());
    if (llvm::Error err = session.writeArtifact(artifact))
      return std::move(err);
    runner = ModelRunner::loadLibrary(artifact, compile.pipeline.entryPoint);
  } else {
    runner = session.createRunner();
  }
  if (!runner)
    return runner.takeError();
  auto out = runAll(**runner, set.images, options.evalThreads, m.classes);
  if (!out)
    return out.takeError();
  m.outputs = std::move(*out);
  HostTensor batch = timingBatch(**runner);
  // A fast model's 200 calls last a few milliseconds, within one burst of
  // another process or one frequency step: the timed calls last at least
  // kLatencySeconds (up to 20x latencyRuns), after as many untimed calls
  // as a tenth of them.
  auto probe = benchmarkCalls(**runner, {batch}, options.latencyThreads, 5, 20);
  if (!probe)
    return probe.takeError();
  double callMs = std::max(summarizeLatencies(*probe).median, 1e-3);
  constexpr double kLatencySeconds = 0.4;
  unsigned runs = static_cast<unsigned>(
      std::clamp<double>(std::ceil(kLatencySeconds * 1e3 / callMs / 10) * 10,
                         options.latencyRuns, 20.0 * options.latencyRuns));
  auto ms = benchmarkCalls(**runner, {batch}, options.latencyThreads, runs / 10,
                           runs);
  if (!ms)
    return ms.takeError();
  // Other processes only add time, in bursts longer than a call: the
  // calls are taken in blocks of ten, and the point's latency is the
  // median over the blocks of each block's fastest call.
  std::vector<double> blocks;
  appendBlockMinima(*ms, blocks);
  m.measuredMs = summarizeLatencies(blocks).median;
  m.minMs = summarizeLatencies(*ms).min;
  // The entry goes last: readers take it as the sign of a whole one.
  if (llvm::Error err = cache.write(key, config, m))
    return std::move(err);
  // Kept for the re-time step.
  runners[key] = std::move(*runner);
  return m;
}

HostTensor Searcher::timingBatch(const ModelRunner &runner) const {
  HostTensor batch =
      sliceRows(set.images, 0,
                std::min<int64_t>(options.latencyBatch, set.images.shape[0]));
  const TensorSignature &in = runner.inputs().front();
  if (!in.shape.empty() && in.shape[0] > 0 && in.shape[0] != batch.shape[0]) {
    batch = sliceRows(set.images, 0,
                      std::min<int64_t>(in.shape[0], set.images.shape[0]));
    batch.shape[0] = in.shape[0];
    batch.data.resize(
        in.shape[0] * (set.images.data.size() / set.images.shape[0]), 0);
  }
  return batch;
}

llvm::Error Searcher::retime() {
  std::vector<std::string> keys;
  for (const Point &p : result.points)
    keys.push_back(cache.key(p.config));
  std::string timesKey = cache.timesKey(keys);
  auto times = cache.readTimes(timesKey, keys.size());
  int compiled = 0;
  if (!times) {
    // The points this process has no code for came from the cache.
    std::vector<ModelRunner *> code;
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = runners.find(keys[i]);
      std::string artifact = cache.artifactPath(keys[i]);
      if (it == runners.end() && llvm::sys::fs::exists(artifact)) {
        auto runner =
            ModelRunner::loadLibrary(artifact, compile.pipeline.entryPoint);
        if (!runner)
          return runner.takeError();
        it = runners.emplace(keys[i], std::move(*runner)).first;
      }
      if (it == runners.end()) {
        const Config &config = result.points[i].config;
        CompileSession session(context, configOptions(config));
        if (llvm::Error err = compileConfig(session, config))
          return err;
        auto runner = session.createRunner();
        if (!runner)
          return runner.takeError();
        it = runners.emplace(keys[i], std::move(*runner)).first;
        ++compiled;
      }
      code.push_back(it->second.get());
    }
    HostTensor batch = timingBatch(*code.front());
    // kRounds rounds over every point in order, each point's turn lasting
    // about kTurnSeconds of timed calls (10 to 2,000) after a tenth as
    // many untimed ones: a drift of the host's speed over the minutes of
    // the search reaches every point alike.
    constexpr int kRounds = 8;
    constexpr double kTurnSeconds = 0.025;
    std::vector<std::vector<double>> blocks(keys.size());
    std::vector<double> fastest(keys.size(),
                                std::numeric_limits<double>::infinity());
    for (int round = 0; round < kRounds; ++round)
      for (size_t i = 0; i < keys.size(); ++i) {
        double callMs = std::max(result.points[i].minMs, 1e-3);
        unsigned calls = static_cast<unsigned>(std::clamp<double>(
            std::ceil(kTurnSeconds * 1e3 / callMs / 10) * 10, 10, 2000));
        auto ms = benchmarkCalls(*code[i], {batch}, options.latencyThreads,
                                 calls / 10, calls);
        if (!ms)
          return ms.takeError();
        appendBlockMinima(*ms, blocks[i]);
        fastest[i] = std::min(fastest[i], summarizeLatencies(*ms).min);
      }
    times.emplace();
    for (size_t i = 0; i < keys.size(); ++i)
      times->emplace_back(summarizeLatencies(blocks[i]).median, fastest[i]);
    if (llvm::Error err = cache.writeTimes(timesKey, *times))
      return err;
    progress << llvm::formatv("search: [4/4 re-time] {0} points, {1} rounds "
                              "interleaved ({2} compiled again)\n",
                              keys.size(), kRounds, compiled);
  } else {
    progress << llvm::formatv("search: [4/4 re-time] {0} points: in the "
                              "cache\n",
                              keys.size());
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    result.points[i].measuredMs = (*times)[i].first;
    result.points[i].minMs = (*times)[i].second;
  }
  return llvm::Error::success();
}

llvm::Expected<int> Searcher::evaluate(const Config &config,
                                       llvm::StringRef step) {
  for (const Point &p : result.points)
    if (p.config == config)
      return p.id;
  bool cached = false;
  auto m = measureConfig(config, cached);
  if (!m)
    return m.takeError();
  cachedPoints += cached;
  Point p;
  p.id = result.points.size();
  p.step = step.str();
  p.config = config;
  p.cached = cached;
  p.predictedMs = m->predictedMs;
  p.measuredMs = m->measuredMs;
  p.minMs = m->minMs;
  p.sizeMB = m->sizeMB;
  if (result.points.empty()) {
    // The original model: the reference of fidelity (and the labels when
    // there are none).
    set.reference = m->outputs;
    set.classes = m->classes;
    result.numClasses = m->classes;
    if (!set.labelled) {
      set.labels.resize(set.images.shape[0]);
      for (int64_t i = 0; i < set.images.shape[0]; ++i)
        set.labels[i] = argmax(&set.reference[i * m->classes], m->classes);
    }
  } else if (m->classes != set.classes) {
    return error("configuration " + config.name() + " changed the classes");
  }
  p.sensitivity = measure(set, m->outputs, set.sensitivity);
  p.heldOut = measure(set, m->outputs, set.heldOut);
  p.all = measure(set, m->outputs, set.all);
  result.points.push_back(std::move(p));
  Point &added = result.points.back();
  added.withinBudget = withinBudget(added);
  report(added);
  return added.id;
}

void Searcher::initCacheKey() {
  // Everything a measurement depends on (the labels do not: metrics are
  // computed from the stored outputs).
  cache.addText("fulcrum-search-1");
  cache.addFile(options.modelPath);
  cache.addFile(options.calibrationData);
  cache.addFile(options.evalData);
  const TargetOptions &t = compile.targetOptions;
  const PipelineOptions &p = compile.pipeline;
  cache.addText(
      llvm::formatv(
          "calibration {0} {1}; eval {2}; target {3} {4} {5} {6} "
          "{7}; pipeline {8} {9} {10} {11} {12} {13} {17}; timing {14} "
          "{15} {16}",
          options.calibrationCount,
          quant::stringifyCalibrationMethod(options.calibrationMethod),
          options.evalCount, compile.target, target.name, t.cpu, t.optLevel,
          options.latencyThreads, p.entryPoint, p.fuse, p.fuseElementwise,
          p.channelsLast, p.fuseAttention, p.attentionGlobalTokens,
          options.latencyRuns, options.latencyBatch, options.evalThreads,
          p.winograd)
          .str());
}

llvm::Error Searcher::detectAttention() {
  CompileOptions opts = compile;
  opts.applyPassManagerCLOptions = false;
  CompileSession session(context, opts);
  if (failed(session.loadFile(options.modelPath)) ||
      failed(session.runTo(CompilePhase::Graph)))
    return llvm::make_error<ReportedError>("cannot compile the model");
  session.getModule().walk([&](Operation *op) {
    hasAttention |= op->getName().getStringRef() == "fulcrum.attention";
  });
  return llvm::Error::success();
}

bool Searcher::withinBudget(const Point &p) const {
  const Point &base = result.points.front();
  // Within the accuracy budget on both parts: the held-out part checks
  // the estimate the sensitivity part gave, so that a point that only
  // looks good on the held-out part (one of many tried there) is not
  // chosen by chance.
  if (options.accuracyBudget >= 0 &&
      (loss(base.heldOut, p.heldOut) > options.accuracyBudget + 1e-9 ||
       loss(base.sensitivity, p.sensitivity) > options.accuracyBudget + 1e-9))
    return false;
  if (options.latencyBudgetMs > 0 && p.measuredMs > options.latencyBudgetMs)
    return false;
  if (options.sizeBudgetMB > 0 && p.sizeMB > options.sizeBudgetMB)
    return false;
  return true;
}

void Searcher::report(const Point &p) {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const Point &base = result.points.front();
  const Point *best = nullptr;
  for (const Point &q : result.points)
    if (q.withinBudget && (!best || q.measuredMs < best->measuredMs))
      best = &q;
  int done = result.points.size();
  double left = elapsed / done * std::max(0, planned - done);
  std::string metric =
      set.labelled ? stringifyMetric(options.metric).str()
                   : "agreement-" + stringifyMetric(options.metric).str();
  progress << llvm::formatv(
      "search: [{0}] point {1}/{2} {3}: {4} {5:F2}% ({6:+F2} pp held out), "
      "predicted {7:F3} ms, measured {8:F3} ms{12} | best {9} | {10} "
      "elapsed, ~{11} left\n",
      stepName, done, std::max(planned, done),
      p.config.describe(contractions.size()), metric,
      p.heldOut.get(options.metric, set.labelled),
      -loss(base.heldOut, p.heldOut), p.predictedMs, p.measuredMs,
      best ? llvm::formatv("{0:F3} ms ({1})", best->measuredMs,
                           best->config.describe(contractions.size()))
                 .str()
           : std::string("none yet"),
      clock(elapsed), clock(left), p.cached ? " (cached)" : "");
  progress.flush();
}

Config Searcher::combine(llvm::ArrayRef<const Knob *> knobs) const {
  Config c;
  for (const Knob *k : knobs) {
    for (const std::string &l : k->delta.int8Layers)
      c.int8Layers.push_back(l);
    c.pruneRatio = std::max(c.pruneRatio, k->delta.pruneRatio);
    c.attentionWindow = std::max(c.attentionWindow, k->delta.attentionWindow);
    if (k->delta.headsKeep > 0)
      c.headsKeep = c.headsKeep > 0 ? std::min(c.headsKeep, k->delta.headsKeep)
                                    : k->delta.headsKeep;
  }
  // Layers in graph order, so that a configuration has one name.
  std::vector<std::string> ordered;
  for (const std::string &l : contractions)
    if (llvm::is_contained(c.int8Layers, l))
      ordered.push_back(l);
  c.int8Layers = ordered;
  return c;
}

llvm::Expected<SearchResult> Searcher::run() {
  start = std::chrono::steady_clock::now();
  if (llvm::Error err = loadData())
    return std::move(err);

  // The contractions (the per-layer precision knobs): quantizing a copy
  // with nothing kept in fp32 lists them.
  {
    CompileOptions opts = compile;
    opts.applyPassManagerCLOptions = false;
    CompileSession session(context, opts);
    if (failed(session.loadFile(options.modelPath)))
      return llvm::make_error<ReportedError>("cannot load the model");
    if (!session.getSignature())
      return error(options.modelPath + ": the entry point has inputs "
                                       "without a C type");
    if (!options.calibrationData.empty()) {
      auto inputs = quant::readCalibrationData(options.calibrationData,
                                               *session.getSignature(),
                                               options.calibrationCount);
      if (!inputs)
        return error(options.calibrationData + ": " +
                     toString(inputs.takeError()));
      calibration = std::move(*inputs);
      quant::QuantizeOptions q;
      q.count = options.calibrationCount;
      q.calibration.method = options.calibrationMethod;
      auto report = quant::quantizeModel(session, calibration, q);
      if (!report)
        return report.takeError();
      // Attention's products stay fp32 (the quantizer keeps them so that
      // attention stays fused): they are no knob.
      for (const std::string &name : report->quantizedNames)
        if (name != "?")
          contractions.push_back(name);
    }
  }
  result.contractions = contractions;

  initCacheKey();
  if (llvm::Error err = detectAttention())
    return std::move(err);

  // The knobs, each alone.
  std::vector<Knob> knobs;
  for (const std::string &l : contractions) {
    Knob k;
    k.delta.int8Layers = {l};
    k.name = "int8:" + l;
    knobs.push_back(k);
  }
  for (double r : options.pruneRatios) {
    Knob k;
    k.delta.pruneRatio = r;
    k.name = llvm::formatv("prune:{0}", r).str();
    k.group = 0;
    knobs.push_back(k);
  }
  if (hasAttention)
    for (int64_t w : options.attentionWindows) {
      Knob k;
      k.delta.attentionWindow = w;
      k.name = "window:" + std::to_string(w);
      k.group = 1;
      knobs.push_back(k);
    }
  if (hasAttention && !calibration.empty())
    for (double f : options.attentionHeadsKeep) {
      Knob k;
      k.delta.headsKeep = f;
      k.name = llvm::formatv("heads:{0}", f).str();
      k.group = 2;
      knobs.push_back(k);
    }
  // The independent evaluations: the original, each knob alone, and the
  // reference point the frontier must dominate, int8 everywhere.
  std::vector<Config> independent = {Config()};
  for (const Knob &k : knobs)
    independent.push_back(k.delta);
  if (!contractions.empty()) {
    Config all;
    all.int8Layers = contractions;
    independent.push_back(all);
  }
  if (!options.emitPlan.empty()) {
    if (llvm::Error err = writePlan(options.emitPlan, options.command,
                                    independent, options.reportDir))
      return std::move(err);
    progress << "search: wrote " << options.emitPlan << ": "
             << independent.size() << " independent evaluations\n";
    result.planOnly = true;
    return std::move(result);
  }
  if (options.searchPoint >= 0) {
    if (options.searchPoint >= static_cast<int64_t>(independent.size()))
      return error("--search-point=" + llvm::Twine(options.searchPoint) +
                   ": the plan has " + llvm::Twine(independent.size()) +
                   " points");
    const Config &config = independent[options.searchPoint];
    bool cached = false;
    auto m = measureConfig(config, cached);
    if (!m)
      return m.takeError();
    std::string dir = options.reportDir + "/points";
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      return error(dir + ": " + ec.message());
    std::error_code ec;
    llvm::raw_fd_ostream done(
        dir + "/" + std::to_string(options.searchPoint) + ".done", ec);
    if (ec)
      return error(dir + ": " + ec.message());
    done << config.name() << "\n";
    progress << llvm::formatv(
        "search: point {0} {1}: {2}, measured {3:F3} "
        "ms\n",
        options.searchPoint, config.describe(contractions.size()),
        cached ? "in the cache" : "evaluated", m->measuredMs);
    result.planOnly = true;
    return std::move(result);
  }

  stepName = "1/4 baseline";
  planned = independent.size() + 3;
  auto base = evaluate(Config(), "baseline");
  if (!base)
    return base.takeError();
  stepName = "2/4 sensitivity";
  const Point baseline = result.points.front();
  for (Knob &k : knobs) {
    auto id = evaluate(k.delta, "sensitivity");
    if (!id)
      return id.takeError();
    const Point &p = result.points[*id];
    k.point = *id;
    k.lossPp = loss(baseline.sensitivity, p.sensitivity);
    k.flipsPp = 100 - p.sensitivity.agreement;
    k.gainMs = baseline.predictedMs - p.predictedMs;
    k.gainMB = baseline.sizeMB - p.sizeMB;
  }
  stepName = "2/4 reference";
  if (independent.size() > knobs.size() + 1)
    if (auto id = evaluate(independent.back(), "reference"); !id)
      return id.takeError();

  // Greedy allocation by gain per unit of loss.
  stepName = "3/4 allocate";
  bool sizeOnly = options.accuracyBudget < 0 && options.latencyBudgetMs <= 0;
  auto gain = [&](const Knob &k) { return sizeOnly ? k.gainMB : k.gainMs; };
  // Every knob the cost model prices as a gain is a candidate, whatever it
  // measured alone: a single knob's measured gain is often within the
  // noise of timing (and of timing two plan steps at once on one host), so
  // gating on it made the combination differ between runs. Measurement
  // decides in the refine step below, on whole combinations, one process
  // at a time.
  std::vector<Knob *> order;
  for (Knob &k : knobs) {
    k.measuredSlower =
        !sizeOnly && result.points[k.point].measuredMs >= baseline.measuredMs;
    if (gain(k) > 0)
      order.push_back(&k);
  }
  // Ties keep the knobs' order (the pointers follow it).
  llvm::sort(order, [&](const Knob *a, const Knob *b) {
    double sa = gain(*a) / std::max(a->lossPp, 0.01),
           sb = gain(*b) / std::max(b->lossPp, 0.01);
    return sa > sb || (sa == sb && a < b);
  });
  std::vector<const Knob *> chosen;
  double lossSum = 0, predicted = baseline.predictedMs, size = baseline.sizeMB;
  auto met = [&]() {
    return (options.latencyBudgetMs <= 0 ||
            predicted <= options.latencyBudgetMs) &&
           (options.sizeBudgetMB <= 0 || size <= options.sizeBudgetMB);
  };
  for (Knob *k : order) {
    if (k->group >= 0 && llvm::any_of(chosen, [&](const Knob *c) {
          return c->group == k->group;
        }))
      continue;
    if (options.accuracyBudget >= 0) {
      if (lossSum + std::max(0.0, k->lossPp) > options.accuracyBudget)
        continue;
    } else if (met()) {
      break;
    }
    chosen.push_back(k);
    lossSum += std::max(0.0, k->lossPp);
    predicted -= k->gainMs;
    size -= k->gainMB;
  }

  // The combined configuration, then back off (most damaging first) until
  // the held-out budget holds.
  stepName = "4/4 combine";
  std::vector<const Knob *> backedOff;
  int combinedPoint = -1;
  for (int attempt = 0; !chosen.empty() && attempt < 16; ++attempt) {
    auto id = evaluate(combine(chosen), attempt ? "back-off" : "combined");
    if (!id)
      return id.takeError();
    const Point &p = result.points[*id];
    if (p.withinBudget) {
      combinedPoint = *id;
      break;
    }
    stepName = "4/4 back off";
    bool accuracyMissed =
        options.accuracyBudget >= 0 &&
        (loss(baseline.heldOut, p.heldOut) > options.accuracyBudget + 1e-9 ||
         loss(baseline.sensitivity, p.sensitivity) >
             options.accuracyBudget + 1e-9);
    if (!accuracyMissed) {
      // Too slow or too large: take the next knob that fits.
      const Knob *next = nullptr;
      for (Knob *k : order)
        if (!llvm::is_contained(chosen, k) &&
            !llvm::is_contained(backedOff, k) &&
            !(k->group >= 0 && llvm::any_of(chosen, [&](const Knob *c) {
                return c->group == k->group;
              }))) {
          next = k;
          break;
        }
      if (!next)
        break;
      chosen.push_back(next);
      continue;
    }
    // Most damaging first: the knob that changed the most predictions
    // alone (a net loss near zero can hide many changes either way), then
    // the larger loss, then the smaller gain.
    auto worst = std::max_element(
        chosen.begin(), chosen.end(), [](const Knob *a, const Knob *b) {
          return std::make_tuple(a->flipsPp, a->lossPp, -a->gainMs) <
                 std::make_tuple(b->flipsPp, b->lossPp, -b->gainMs);
        });
    backedOff.push_back(*worst);
    chosen.erase(worst);
  }

  // The cost model can be wrong about a precision knob in context (an
  // int8 layer whose windows are packed per pixel, or whose neighbours
  // convert to and from it), so each one in the combination (in the knobs'
  // order) is taken out, the rest measured, and it stays out when the
  // combination is faster without it (compareLatency: by more than the
  // tolerance, or by the prediction within it), within budget. The trials
  // are the same whatever single knobs measured, and each is timed alone
  // in this process.
  std::vector<const Knob *> removed;
  if (combinedPoint >= 0 && !sizeOnly) {
    int best = combinedPoint;
    for (Knob &k : knobs) {
      if (k.delta.int8Layers.empty() || !llvm::is_contained(chosen, &k) ||
          chosen.size() < 2)
        continue;
      stepName = "4/4 refine";
      std::vector<const Knob *> trial;
      for (const Knob *c : chosen)
        if (c != &k)
          trial.push_back(c);
      auto id = evaluate(combine(trial), "refine");
      if (!id)
        return id.takeError();
      const Point &p = result.points[*id];
      if (p.withinBudget && compareLatency(p, result.points[best],
                                           options.latencyTolerance) < 0) {
        chosen = trial;
        removed.push_back(&k);
        best = *id;
      }
    }
  }

  // Every point timed again, interleaved: its measured latency then no
  // longer depends on when in the search it was first timed (or in which
  // plan step).
  stepName = "4/4 re-time";
  if (!sizeOnly) {
    if (llvm::Error err = retime())
      return std::move(err);
  }

  for (const Knob &k : knobs) {
    KnobDecision d;
    d.knob = k.name;
    d.lossPp = k.lossPp;
    d.gainMs = k.gainMs;
    d.chosen = llvm::is_contained(chosen, &k);
    d.backedOff = llvm::is_contained(backedOff, &k);
    d.measuredSlower = k.measuredSlower;
    d.removedInCombination = llvm::is_contained(removed, &k);
    d.measuredMs = result.points[k.point].measuredMs;
    result.knobs.push_back(d);
  }
  markFrontier(result.points, options.metric, set.labelled,
               options.latencyTolerance);
  // The fastest point within budget; among points no faster than each
  // other, the more accurate on the held-out part, then the first.
  for (Point &p : result.points) {
    if (!p.withinBudget)
      continue;
    if (result.chosen < 0) {
      result.chosen = p.id;
      continue;
    }
    const Point &c = result.points[result.chosen];
    int order = compareLatency(p, c, options.latencyTolerance);
    if (order < 0 ||
        (order == 0 && p.heldOut.get(options.metric, set.labelled) >
                           c.heldOut.get(options.metric, set.labelled)))
      result.chosen = p.id;
  }
  if (result.chosen >= 0)
    result.points[result.chosen].chosen = true;
  result.cachedPoints = cachedPoints;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return std::move(result);
}

llvm::Error Searcher::writeArtifact(const Config &config) {
  CompileSession session(context, configOptions(config));
  if (llvm::Error err = compileConfig(session, config))
    return err;
  return session.writeArtifact(options.outputPath);
}

} // namespace

int compareLatency(const Point &a, const Point &b, double tolerance) {
  if (a.measuredMs < (1 - tolerance) * b.measuredMs)
    return -1;
  if (b.measuredMs < (1 - tolerance) * a.measuredMs)
    return 1;
  return a.predictedMs < b.predictedMs   ? -1
         : b.predictedMs < a.predictedMs ? 1
                                         : 0;
}

void markFrontier(std::vector<Point> &points, Metric metric, bool labelled,
                  double tolerance) {
  for (Point &p : points) {
    double a = p.heldOut.get(metric, labelled);
    p.onFrontier = llvm::none_of(points, [&](const Point &q) {
      double b = q.heldOut.get(metric, labelled);
      int order = compareLatency(q, p, tolerance);
      return q.id != p.id && b >= a && order <= 0 && (b > a || order < 0);
    });
  }
}

llvm::Expected<SearchResult> runSearch(MLIRContext &context,
                                       const CompileOptions &compile,
                                       const cost::TargetDescription &target,
                                       const SearchOptions &options,
                                       llvm::raw_ostream &progress) {
  Searcher searcher(context, compile, target, options, progress);
  auto result = searcher.run();
  if (!result)
    return result.takeError();
  if (result->planOnly)
    return result;
  if (llvm::Error err = writeReport(*result, options))
    return std::move(err);
  if (result->chosen < 0)
    return error("no evaluated configuration meets the budget (see " +
                 options.reportDir + "/report.html)");
  const Point &best = result->points[result->chosen];
  progress << llvm::formatv(
      "search: chose {0}: measured {1:F3} ms ({2:F2}x the original), "
      "predicted {3:F3} ms, held-out {4} {5:F2}% (original {6:F2}%), "
      "{7} points ({9} from the cache) in {8:F1} s\n",
      best.config.describe(result->contractions.size()), best.measuredMs,
      result->points.front().measuredMs / best.measuredMs, best.predictedMs,
      stringifyMetric(options.metric),
      best.heldOut.get(options.metric, result->labelled),
      result->points.front().heldOut.get(options.metric, result->labelled),
      result->points.size(), result->seconds, result->cachedPoints);
  // The chosen artifact, compiled afresh (the same inputs give the same
  // bytes).
  if (llvm::Error err = searcher.writeArtifact(best.config))
    return std::move(err);
  return result;
}

} // namespace fulcrum::search
