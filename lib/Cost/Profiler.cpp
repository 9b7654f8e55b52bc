//===- Profiler.cpp - Predicted against measured, per layer ---------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Profiler.h"

#include "fulcrum/Cost/Profile.h"
#include "fulcrum/Execution/Evaluate.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

using namespace mlir;

namespace fulcrum::cost {

namespace {
std::vector<double> ranks(llvm::ArrayRef<double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> result(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
      ++j;
    for (size_t k = i; k <= j; ++k)
      result[order[k]] = (i + j) / 2.0 + 1;
    i = j + 1;
  }
  return result;
}

/// The best of several timings: on a host shared with other processes,
/// interference only ever adds time.
double best(const std::vector<double> &values) {
  return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
}
/// What `layer` adds to the kernel that takes it in: its arithmetic and
/// the operands it still reads, without the per-kernel overhead, the store
/// of its result, or its largest input (the kernel's own result, which the
/// kernel holds in registers).
double getAbsorbedSeconds(const LayerCost &layer,
                          const TargetDescription &target,
                          const CostOptions &options) {
  Work inside = layer.work;
  double largest = 0;
  ValueRange inputs = layer.op->getOperands();
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(layer.op))
    inputs = dps.getDpsInputs();
  for (Value input : inputs)
    largest = std::max(largest, getScaledBytes(input.getType(), options));
  inside.bytesRead = std::max(0.0, inside.bytesRead - largest);
  inside.bytesWritten = 0;
  inside.constantBytes = std::min(inside.constantBytes, inside.bytesRead);
  return getInsideKernelSeconds(inside, target, options);
}
} // namespace

llvm::Expected<TargetDescription>
resolveTargetDescription(llvm::StringRef spec, CompileOptions &options,
                         bool keepCPU) {
  if (!spec.empty())
    return loadTargetDescription(spec);
  if (!lookupTargetBackend(options.target) &&
      !getPresetJSON(options.target).empty()) {
    auto target = loadTargetDescription(options.target);
    if (!target)
      return target.takeError();
    // Without a backend the name stays, and validation says it has none.
    if (!target->backend.empty())
      options.target = target->backend;
    if (target->kind == "cpu" && !target->chip.empty() && !keepCPU)
      options.targetOptions.cpu = target->chip;
    return target;
  }
  // An unknown target or CPU is the session's to report (validate()); the
  // description then does not matter.
  std::vector<std::string> features;
  if (const TargetBackend *backend = lookupTargetBackend(options.target)) {
    auto described = backend->describe(options.targetOptions);
    if (described)
      features = described->features;
    else
      llvm::consumeError(described.takeError());
  }
  return getDefaultCPUDescription(features,
                                  std::thread::hardware_concurrency());
}

LogicalResult printModelCost(CompileSession &session,
                             const TargetDescription &target,
                             const CostOptions &options,
                             llvm::raw_ostream &os) {
  if (session.getPhase() < CompilePhase::Graph &&
      failed(session.runTo(CompilePhase::Graph)))
    return failure();
  const std::string &entry = session.getOptions().pipeline.entryPoint;
  auto func = session.getModule().lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return emitError(session.getModule().getLoc())
           << "no entry point @" << entry << " to price";
  std::vector<LayerCost> layers =
      estimateRegion(func.getBody(), target, options);
  os << "cost of @" << entry << " ";
  printCostTable(os, layers, target, options);
  return success();
}

double spearmanCorrelation(llvm::ArrayRef<double> a, llvm::ArrayRef<double> b) {
  if (a.size() != b.size() || a.size() < 2)
    return 0;
  std::vector<double> ra = ranks(a), rb = ranks(b);
  double n = a.size();
  double meanA = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  double meanB = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double cov = 0, varA = 0, varB = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - meanA) * (rb[i] - meanB);
    varA += (ra[i] - meanA) * (ra[i] - meanA);
    varB += (rb[i] - meanB) * (rb[i] - meanB);
  }
  if (varA == 0 || varB == 0)
    return 0;
  return cov / std::sqrt(varA * varB);
}

std::vector<HostTensor> makeRandomInputs(const ModelRunner &runner) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<HostTensor> inputs;
  for (const TensorSignature &sig : runner.inputs()) {
    HostTensor t;
    t.dataType = sig.dataType;
    t.name = sig.name;
    for (int64_t dim : sig.shape)
      t.shape.push_back(dim < 0 ? 1 : dim);
    t.data.assign(t.numElements() * t.elementSize(), 0);
    if (t.dataType == 1) // float
      for (int64_t i = 0; i < t.numElements(); ++i) {
        float value = uniform(rng);
        std::memcpy(t.data.data() + i * sizeof(float), &value, sizeof(float));
      }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

llvm::Expected<ProfileReport>
profileModel(MLIRContext &context, llvm::StringRef path, CompileOptions options,
             const TargetDescription &target, std::vector<HostTensor> inputs,
             const ProfileOptions &profile) {
  options.pipeline.profileLayers = true;
  // Compiled for the inputs' shapes: every layer is priced at its real
  // size (a dynamic batch collapsed with other dimensions could not be).
  for (auto [i, input] : llvm::enumerate(inputs))
    options.inputShapes.push_back({std::to_string(i), input.shape});
  CompileSession session(context, options);
  if (llvm::Error err = session.validate())
    return std::move(err);
  if (failed(session.loadFile(path)))
    return llvm::make_error<ReportedError>("cannot load the model");
  if (session.getPhase() > CompilePhase::Graph)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--profile needs a model before the linalg phase (.onnx, or .mlir "
        "from the import or graph phase)");
  if (failed(session.runTo(CompilePhase::Linalg)))
    return llvm::make_error<ReportedError>("compilation failed");
  auto func = session.getModule().lookupSymbol<func::FuncOp>(
      options.pipeline.entryPoint);
  if (!func)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no entry point @" +
                                       options.pipeline.entryPoint);
  bool dynamic = llvm::any_of(func.getArgumentTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasRank() && !shaped.hasStaticShape();
  });
  std::vector<LayerCost> layers = tagLayers(func, target, profile.cost);
  std::vector<ProfiledLayer> rows;
  std::vector<double> insideMs;
  for (const LayerCost &layer : layers) {
    rows.push_back({layer.name, layer.opName,
                    stringifyWorkClass(layer.work.kind).str(),
                    layer.estimate.seconds * 1e3, 0});
    insideMs.push_back(getAbsorbedSeconds(layer, target, profile.cost) * 1e3);
  }
  auto runner = session.createRunner();
  if (!runner)
    return runner.takeError();
  if (inputs.empty())
    inputs = makeRandomInputs(**runner);
  auto call = (*runner)->prepare(inputs);
  if (!call)
    return call.takeError();
  for (unsigned i = 0; i < profile.warmup; ++i)
    call->invoke();
  std::vector<std::vector<double>> perLayer(rows.size()), gaps(rows.size());
  std::vector<double> wall, head, tail;
  std::vector<uint64_t> hits(rows.size(), 0);
  for (unsigned run = 0; run < std::max(1u, profile.runs); ++run) {
    resetProfileCounters(rows.size());
    auto start = std::chrono::steady_clock::now();
    call->invoke();
    auto stop = std::chrono::steady_clock::now();
    wall.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    std::vector<double> seconds = getProfileSeconds();
    std::vector<uint64_t> counts = getProfileHits();
    std::vector<double> gapSeconds = getProfileGaps();
    auto [first, last] = getProfileSpan();
    head.push_back(
        std::chrono::duration<double, std::milli>(first - start).count());
    tail.push_back(
        std::chrono::duration<double, std::milli>(stop - last).count());
    for (size_t i = 0; i < rows.size(); ++i) {
      perLayer[i].push_back(i < seconds.size() ? seconds[i] * 1e3 : 0);
      hits[i] += i < counts.size() ? counts[i] : 0;
      gaps[i].push_back(i < gapSeconds.size() ? gapSeconds[i] * 1e3 : 0);
    }
  }
  call->freeResults();

  ProfileReport report;
  report.dynamicShapes = dynamic;
  report.specialized = !options.inputShapes.empty();
  report.target = target.name;
  report.threads = profile.cost.threads;
  report.totalPredictedMs = target.perCallOverheadUs * 1e-3;
  // What a kernel took in runs inside the timed layer before it (an
  // epilogue, attention's softmax and second product), or after it for
  // what comes before the first timed layer (a padding).
  std::vector<double> predictedMs;
  for (const ProfiledLayer &row : rows)
    predictedMs.push_back(row.predictedMs);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (hits[i])
      continue;
    size_t j = i;
    while (j > 0 && !hits[j])
      --j;
    if (!hits[j])
      for (j = i; j + 1 < rows.size() && !hits[j];)
        ++j;
    if (!hits[j])
      continue;
    predictedMs[j] += insideMs[i];
    report.absorbedInsideMs += insideMs[i];
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].measuredMs = best(perLayer[i]);
    rows[i].gapMs = best(gaps[i]);
    if (!hits[i]) {
      report.absorbed.push_back(rows[i]);
      continue;
    }
    rows[i].predictedMs = predictedMs[i];
    report.totalPredictedMs += rows[i].predictedMs;
    report.layerMeasuredMs += rows[i].measuredMs;
    report.layers.push_back(rows[i]);
  }
  report.totalMeasuredMs = best(wall);
  report.headMs = best(head);
  report.tailMs = best(tail);
  std::vector<double> predicted, measured;
  for (const ProfiledLayer &layer : report.layers) {
    predicted.push_back(layer.predictedMs);
    measured.push_back(layer.measuredMs);
  }
  report.spearman = spearmanCorrelation(predicted, measured);
  return report;
}

void printProfileTable(llvm::raw_ostream &os, const ProfileReport &report) {
  os << llvm::formatv("{0,-4} {1,-40} {2,-30} {3,-13} {4,12} {5,12} {6,8}\n",
                      "#", "layer", "op", "class", "predicted_ms",
                      "measured_ms", "ratio");
  for (auto [i, layer] : llvm::enumerate(report.layers)) {
    std::string name = layer.name;
    if (name.size() > 40)
      name = "..." + name.substr(name.size() - 37);
    os << llvm::format(
        "%-4zu %-40s %-30s %-13s %12.4f %12.4f %8.2f\n", i, name.c_str(),
        layer.op.c_str(), layer.kind.c_str(), layer.predictedMs,
        layer.measuredMs,
        layer.measuredMs > 0 ? layer.predictedMs / layer.measuredMs : 0.0);
  }
  if (!report.absorbed.empty()) {
    double ms = 0;
    for (const ProfiledLayer &layer : report.absorbed)
      ms += layer.predictedMs;
    os << llvm::format("absorbed into kernels (not timed): %zu ops, %.4f ms "
                       "predicted apart, %.4f ms inside the kernels (counted "
                       "in the layer before each)\n",
                       report.absorbed.size(), ms, report.absorbedInsideMs);
  }
  if (report.specialized)
    os << "note: compiled and priced for the inputs' shapes\n";
  else if (report.dynamicShapes)
    os << "note: the model has dynamic dimensions, priced as 1 (give inputs "
          "to compile and price it for their shapes)\n";
  double error = report.totalMeasuredMs > 0
                     ? (report.totalPredictedMs - report.totalMeasuredMs) /
                           report.totalMeasuredMs
                     : 0;
  os << llvm::format("layers: %zu on %s, %u thread%s\n", report.layers.size(),
                     report.target.c_str(), report.threads,
                     report.threads == 1 ? "" : "s");
  os << llvm::format("spearman: %.3f\n", report.spearman);
  os << llvm::format("untimed: %.4f ms before the first layer, %.4f ms after "
                     "the last\n",
                     report.headMs, report.tailMs);
  os << llvm::format("total: predicted %.4f ms, measured %.4f ms (layers "
                     "%.4f ms), relative error %+.1f%%\n",
                     report.totalPredictedMs, report.totalMeasuredMs,
                     report.layerMeasuredMs, 100 * error);
}

std::string printProfileJSON(const ProfileReport &report) {
  auto layers = [](llvm::ArrayRef<ProfiledLayer> rows) {
    llvm::json::Array array;
    for (const ProfiledLayer &layer : rows)
      array.push_back(llvm::json::Object{{"name", layer.name},
                                         {"op", layer.op},
                                         {"class", layer.kind},
                                         {"predicted_ms", layer.predictedMs},
                                         {"measured_ms", layer.measuredMs},
                                         {"untimed_before_ms", layer.gapMs}});
    return array;
  };
  llvm::json::Object object{{"target", report.target},
                            {"threads", report.threads},
                            {"specialized", report.specialized},
                            {"layers", layers(report.layers)},
                            {"absorbed", layers(report.absorbed)},
                            {"absorbed_inside_ms", report.absorbedInsideMs},
                            {"spearman", report.spearman},
                            {"total_predicted_ms", report.totalPredictedMs},
                            {"total_measured_ms", report.totalMeasuredMs},
                            {"layers_measured_ms", report.layerMeasuredMs},
                            {"before_first_layer_ms", report.headMs},
                            {"after_last_layer_ms", report.tailMs}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(object))) << "\n";
  return text;
}

} // namespace fulcrum::cost
