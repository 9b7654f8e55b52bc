//===- Quantize.cpp - The post-training quantization flow -----------------===//
//
// Part of Fulcrum. Calibrates a model on user data with the compiler's own
// JIT: a copy of the graph-phase module returns the activations that feed
// every Conv, MatMul and Gemm as extra results; it is compiled, run over the
// calibration batches (once for min/max, once more for the histograms of
// the histogram methods), and the chosen ranges are written onto the
// original module's contractions as `fulcrum.input_ranges` for the
// `fulcrum-onnx-quantize` pass.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Quantization/Quantize.h"

#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Execution/Evaluate.h"
#include "fulcrum/Export/ONNX/ONNXExporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;

namespace fulcrum::quant {
namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

/// The f32 contractions of the entry function's body, in order.
SmallVector<Operation *> getContractions(func::FuncOp func) {
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front())
    if (isa<onnx::ConvOp, onnx::MatMulOp, onnx::GemmOp>(op) &&
        op.getNumResults() == 1 && isF32Tensor(op.getResult(0)))
      ops.push_back(&op);
  return ops;
}

/// The node names of the MatMuls in `func` that fulcrum-recognize-attention
/// fuses into attention: those a copy of the function loses to the pass.
llvm::Expected<llvm::StringSet<>> getAttentionProducts(func::FuncOp func) {
  llvm::StringSet<> names;
  bool anySoftmax = false;
  func.walk([&](Operation *op) {
    if (isa<onnx::SoftmaxOp>(op))
      anySoftmax = true;
    if (auto name = getNodeName(op->getLoc()); name && isa<onnx::MatMulOp>(op))
      names.insert(*name);
  });
  if (!anySoftmax)
    return llvm::StringSet<>();
  OwningOpRef<func::FuncOp> copy = func.clone();
  PassManager pm(func.getContext(), func::FuncOp::getOperationName());
  pm.addPass(fused::createRecognizeAttention());
  if (failed(pm.run(*copy)))
    return error("attention recognition failed");
  copy->walk([&](onnx::MatMulOp op) {
    if (auto name = getNodeName(op->getLoc()))
      names.erase(*name);
  });
  return names;
}

/// The activations a calibration run observes: the non-constant f32
/// operands 0 and 1 of each contraction, each value once.
struct Targets {
  SmallVector<Value> values;
  /// Per contraction, the index in `values` of operands 0 and 1 (-1: none).
  SmallVector<std::array<int, 2>> operands;
};

Targets findTargets(ArrayRef<Operation *> contractions) {
  Targets t;
  llvm::DenseMap<Value, int> index;
  for (Operation *op : contractions) {
    std::array<int, 2> entry = {-1, -1};
    for (unsigned j = 0; j < 2; ++j) {
      Value v = op->getOperand(j);
      if (!isF32Tensor(v) || v.getDefiningOp<onnx::ConstantOp>())
        continue;
      auto [it, inserted] = index.try_emplace(v, t.values.size());
      if (inserted)
        t.values.push_back(v);
      entry[j] = it->second;
    }
    t.operands.push_back(entry);
  }
  return t;
}

/// Makes `values` extra results of `func`.
void addResults(func::FuncOp func, ArrayRef<Value> values) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> attrs;
  for (unsigned i = 0; i < results.size(); ++i)
    attrs.push_back(func.getResultAttrDict(i)
                        ? Attribute(func.getResultAttrDict(i))
                        : DictionaryAttr::get(func.getContext()));
  Builder b(func.getContext());
  for (auto [k, v] : llvm::enumerate(values)) {
    results.push_back(v);
    attrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
        "onnx.name",
        b.getStringAttr("fulcrum_calibration_" + std::to_string(k)))));
  }
  ret->setOperands(results);
  func.setFunctionType(b.getFunctionType(func.getFunctionType().getInputs(),
                                         ValueRange(results).getTypes()));
  func.setAllResultAttrs(attrs);
}

/// Runs the calibration batches through `runner`, calling `observe` with
/// each extra output (index, float data).
llvm::Error
runBatches(ModelRunner &runner, const std::vector<HostTensor> &inputs,
           int64_t batch, size_t firstTarget,
           llvm::function_ref<void(size_t, ArrayRef<float>)> observe) {
  int64_t n = inputs[0].shape[0];
  for (int64_t begin = 0; begin + batch <= n; begin += batch) {
    std::vector<HostTensor> slice;
    for (const HostTensor &t : inputs)
      slice.push_back(sliceRows(t, begin, begin + batch));
    auto outputs = runner.run(slice);
    if (!outputs)
      return outputs.takeError();
    for (size_t k = firstTarget; k < outputs->size(); ++k) {
      const HostTensor &t = (*outputs)[k];
      observe(k - firstTarget,
              ArrayRef<float>(reinterpret_cast<const float *>(t.data.data()),
                              t.numElements()));
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<QuantizeReport>
quantizeModel(CompileSession &session, const std::vector<HostTensor> &inputs,
              const QuantizeOptions &options) {
  ModuleOp module = session.getModule();
  if (!module || session.getPhase() != CompilePhase::Import)
    return error("quantization needs a model at the import phase");
  MLIRContext *context = module.getContext();
  const std::string &entryName = session.getOptions().pipeline.entryPoint;

  // The graph phase without fusion, and the folds that shape weights
  // (BatchNormalization and scales into Conv/Gemm, transposes into Gemm),
  // so that the weights quantized are the final ones.
  {
    PassManager pm(context);
    PipelineOptions unfused = session.getOptions().pipeline;
    unfused.fuse = false;
    buildGraphPipeline(pm, unfused);
    pm.addNestedPass<func::FuncOp>(fused::createFoldTranspose());
    pm.addNestedPass<func::FuncOp>(fused::createFoldScaleShift());
    if (failed(pm.run(module)))
      return llvm::make_error<ReportedError>("graph phase failed");
  }
  auto entry = module.lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    return error("no entry point @" + entryName);
  SmallVector<Operation *> contractions = getContractions(entry);
  QuantizeReport report;
  report.contractions = contractions.size();
  for (Operation *op : contractions)
    if (auto name = getNodeName(op->getLoc()))
      if (llvm::is_contained(options.keepFloat, name->str()))
        op->setAttr("fulcrum.precision", StringAttr::get(context, "fp32"));
  // Attention's products stay fp32 where the pipeline fuses attention.
  llvm::StringSet<> attention;
  const PipelineOptions &pipeline = session.getOptions().pipeline;
  if (!options.quantizeAttention && pipeline.fuse && pipeline.fuseAttention) {
    auto products = getAttentionProducts(entry);
    if (!products)
      return products.takeError();
    attention = std::move(*products);
    for (Operation *op : contractions)
      if (auto name = getNodeName(op->getLoc());
          name && attention.contains(*name))
        op->setAttr("fulcrum.precision", StringAttr::get(context, "fp32"));
  }

  // The calibration model: the same graph returning the activations.
  OwningOpRef<ModuleOp> variant = module.clone();
  auto variantEntry = variant->lookupSymbol<func::FuncOp>(entryName);
  size_t firstTarget = variantEntry.getNumResults();
  Targets targets = findTargets(getContractions(variantEntry));
  addResults(variantEntry, targets.values);
  CompileOptions compileOptions = session.getOptions().forHostExecution();
  compileOptions.applyPassManagerCLOptions = false;
  CompileSession calibration(*context, compileOptions,
                             /*printDiagnostics=*/false);
  if (failed(calibration.setModule(std::move(variant))))
    return llvm::make_error<ReportedError>("calibration model failed");
  auto runner = calibration.createRunner();
  if (!runner)
    return runner.takeError();

  int64_t n = inputs[0].shape[0];
  int64_t batch = std::min<int64_t>(std::max<int64_t>(options.batch, 1), n);
  if (!(*runner)->inputs().empty() && !(*runner)->inputs()[0].shape.empty() &&
      (*runner)->inputs()[0].shape[0] > 0) {
    batch = (*runner)->inputs()[0].shape[0];
    if (n < batch)
      return error("the model's static batch is " + std::to_string(batch) +
                   ", the calibration data holds only " + std::to_string(n) +
                   " samples");
  }
  // Full batches only (a static batch cannot take a partial one).
  report.samples = n - n % batch;

  std::vector<ActivationStats> stats(targets.values.size());
  for (ActivationStats &s : stats) {
    s.min = std::numeric_limits<double>::infinity();
    s.max = -std::numeric_limits<double>::infinity();
  }
  if (llvm::Error err =
          runBatches(**runner, inputs, batch, firstTarget,
                     [&](size_t k, ArrayRef<float> data) {
                       for (float x : data) {
                         stats[k].min = std::min<double>(stats[k].min, x);
                         stats[k].max = std::max<double>(stats[k].max, x);
                       }
                     }))
    return std::move(err);
  const CalibrationOptions &calib = options.calibration;
  if (calib.method != CalibrationMethod::MinMax) {
    for (ActivationStats &s : stats)
      s.histogram.assign(calib.bins, 0.0);
    if (llvm::Error err = runBatches(
            **runner, inputs, batch, firstTarget,
            [&](size_t k, ArrayRef<float> data) {
              ActivationStats &s = stats[k];
              double absMax = std::max(std::fabs(s.min), std::fabs(s.max));
              if (!(absMax > 0))
                return;
              double perBin = calib.bins / absMax;
              for (float x : data) {
                size_t bin = static_cast<size_t>(std::fabs(x) * perBin);
                s.histogram[std::min<size_t>(bin, calib.bins - 1)] += 1;
              }
            }))
      return std::move(err);
  }

  // The ranges, onto the original contractions; then the rewrite.
  for (auto [op, operands] : llvm::zip(contractions, targets.operands)) {
    float nan = std::numeric_limits<float>::quiet_NaN();
    SmallVector<float> ranges(4, nan);
    for (unsigned j = 0; j < 2; ++j) {
      if (operands[j] < 0 || !std::isfinite(stats[operands[j]].min))
        continue;
      auto [lo, hi] = chooseRange(stats[operands[j]], calib);
      ranges[2 * j] = static_cast<float>(lo);
      ranges[2 * j + 1] = static_cast<float>(hi);
    }
    op->setAttr("fulcrum.input_ranges",
                DenseF32ArrayAttr::get(context, ranges));
  }
  PassManager pm(context);
  onnx::ONNXQuantizeOptions passOptions;
  passOptions.activationType = options.activationType;
  passOptions.weightBits = options.weightBits;
  passOptions.quantizeActivationMatMuls = options.quantizeActivationMatMuls;
  pm.addNestedPass<func::FuncOp>(onnx::createONNXQuantize(passOptions));
  if (failed(pm.run(module)))
    return llvm::make_error<ReportedError>("quantization failed");

  for (Operation *op : contractions) {
    bool quantized =
        op->getOperand(0).getDefiningOp<onnx::DequantizeLinearOp>() != nullptr;
    report.quantized += quantized;
    std::string name = getNodeName(op->getLoc()).value_or("?").str();
    bool fused = !quantized && attention.contains(name);
    report.layers.push_back(name + " (" + op->getName().stripDialect().str() +
                            "): " + (quantized ? "int8" : "fp32") +
                            (fused ? " (fused attention)" : ""));
    if (quantized)
      report.quantizedNames.push_back(name);
    if (fused)
      report.attentionNames.push_back(name);
  }
  return report;
}

} // namespace fulcrum::quant
