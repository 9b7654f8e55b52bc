//===- Calibrate.cpp - Activation percentiles on calibration data ---------===//
//
// Part of Fulcrum. Runs the ReLU network through the CPU target with every
// Relu result as an extra output and records the percentile of each Relu's
// positive activations (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/SNN/IR/SNNOps.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"
#include "fulcrum/Execution/Evaluate.h"
#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Execution/Signature.h"
#include "fulcrum/Pipelines/Pipelines.h"
#include "fulcrum/Target/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <cstring>

namespace fulcrum::snn {
#define GEN_PASS_DEF_SNNCALIBRATE
#include "fulcrum/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace fulcrum::snn

using namespace mlir;
using namespace fulcrum;

namespace {

/// Sums of max- and average-pooled values of one MaxPool's input.
struct PoolSums {
  double max = 0, avg = 0;
};

void accumulatePool(const float *x, const std::vector<int64_t> &shape,
                    ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                    PoolSums &sums) {
  int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
  int64_t oh = (h - kernel[0]) / strides[0] + 1;
  int64_t ow = (w - kernel[1]) / strides[1] + 1;
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        float m = 0, s = 0;
        for (int64_t ky = 0; ky < kernel[0]; ++ky)
          for (int64_t kx = 0; kx < kernel[1]; ++kx) {
            float v =
                x[(p * h + y * strides[0] + ky) * w + xo * strides[1] + kx];
            m = std::max(m, v);
            s += v;
          }
        sums.max += m;
        sums.avg += s / (kernel[0] * kernel[1]);
      }
}

struct SNNCalibratePass : public snn::impl::SNNCalibrateBase<SNNCalibratePass> {
  using Base::Base;
  void runOnOperation() override;
};

void SNNCalibratePass::runOnOperation() {
  ModuleOp module = getOperation();
  auto func = module.lookupSymbol<func::FuncOp>(entryPoint);
  if (!func) {
    module.emitError("no entry point @") << entryPoint;
    return signalPassFailure();
  }
  if (calibrationData.empty()) {
    func.emitError("the ANN-to-SNN conversion needs calibration data "
                   "(--calibration-data FILE.npy)");
    return signalPassFailure();
  }
  if (percentile <= 0 || percentile > 100) {
    func.emitError("the calibration percentile must be in (0, 100], got ")
        << percentile;
    return signalPassFailure();
  }
  auto images = readNpyFile(calibrationData);
  if (!images) {
    func.emitError() << calibrationData << ": "
                     << llvm::toString(images.takeError());
    return signalPassFailure();
  }
  if (images->shape.empty() || images->shape[0] < 1) {
    func.emitError() << calibrationData << ": needs a batch of inputs";
    return signalPassFailure();
  }
  const TargetBackend *cpu = lookupTargetBackend("cpu");
  if (!cpu) {
    func.emitError("calibration runs on the cpu target, which is not "
                   "registered");
    return signalPassFailure();
  }

  // The Relus (in order) and the MaxPools fed by one.
  SmallVector<onnx::ReluOp> relus;
  SmallVector<std::pair<onnx::MaxPoolOp, unsigned>> pools;
  func.walk([&](onnx::ReluOp relu) { relus.push_back(relu); });
  for (auto [i, relu] : llvm::enumerate(relus))
    for (Operation *user : relu->getUsers())
      if (auto pool = dyn_cast<onnx::MaxPoolOp>(user))
        pools.push_back({pool, i});
  if (relus.empty())
    return; // Nothing to calibrate.

  // A copy whose entry point also returns every Relu result.
  OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->clone());
  auto copyFunc = copy->lookupSymbol<func::FuncOp>(entryPoint);
  SmallVector<onnx::ReluOp> copyRelus;
  copyFunc.walk([&](onnx::ReluOp relu) { copyRelus.push_back(relu); });
  Operation *ret = copyFunc.getBody().front().getTerminator();
  SmallVector<Value> results(ret->getOperands());
  for (auto relu : copyRelus)
    results.push_back(relu.getY());
  OpBuilder b(ret);
  b.create<func::ReturnOp>(ret->getLoc(), results);
  ret->erase();
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  unsigned numOriginal = func.getNumResults();
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned i = 0; i < results.size(); ++i)
    resultAttrs.push_back(
        i < numOriginal
            ? copyFunc.getResultAttrDict(i)
            : b.getDictionaryAttr(b.getNamedAttr(
                  "onnx.name",
                  b.getStringAttr("relu" + Twine(i - numOriginal)))));
  for (unsigned i = 0; i < numOriginal; ++i)
    if (!resultAttrs[i])
      resultAttrs[i] = b.getDictionaryAttr({});
  copyFunc.setFunctionType(FunctionType::get(
      &getContext(), copyFunc.getArgumentTypes(), resultTypes));
  copyFunc.setAllResultAttrs(resultAttrs);

  auto signature = getEntrySignature(copyFunc);
  if (!signature) {
    func.emitError("cannot calibrate: ")
        << llvm::toString(signature.takeError());
    return signalPassFailure();
  }
  PipelineOptions pipeline;
  pipeline.entryPoint = entryPoint;
  TargetOptions target;
  PassManager pm(&getContext());
  buildGraphPipeline(pm, pipeline);
  buildLinalgPipeline(pm, pipeline);
  cpu->buildCodegenPipeline(pm, pipeline, target);
  if (failed(pm.run(*copy))) {
    func.emitError("cannot calibrate: the cpu target failed to compile the "
                   "network");
    return signalPassFailure();
  }
  EntryPointInfo entry;
  entry.name = entryPoint;
  entry.signature = printSignature(*signature);
  auto runner = cpu->createRunner(*copy, entry, target);
  if (!runner) {
    func.emitError("cannot calibrate: ") << llvm::toString(runner.takeError());
    return signalPassFailure();
  }

  int64_t count = std::min<int64_t>(images->shape[0], maxSamples);
  int64_t batch =
      signature->inputs[0].shape.empty() || signature->inputs[0].shape[0] < 0
          ? 100
          : signature->inputs[0].shape[0];
  // Positive activations per Relu and channel (one "channel" per Relu
  // without per-channel scales).
  std::vector<std::vector<std::vector<float>>> positives(relus.size());
  std::vector<PoolSums> poolSums(pools.size());
  bool staticBatch = signature->inputs[0].shape[0] >= 0;
  for (int64_t begin = 0; begin < count; begin += batch) {
    int64_t end = std::min(begin + batch, count);
    if (staticBatch && end - begin != batch)
      break;
    auto outputs = (*runner)->run({sliceRows(*images, begin, end)});
    if (!outputs) {
      func.emitError("cannot calibrate: ")
          << llvm::toString(outputs.takeError());
      return signalPassFailure();
    }
    for (size_t i = 0; i < relus.size(); ++i) {
      const HostTensor &t = (*outputs)[numOriginal + i];
      const float *data = reinterpret_cast<const float *>(t.data.data());
      int64_t channels = perChannel && t.shape.size() >= 2 ? t.shape[1] : 1;
      int64_t inner = t.shape.empty() ? 1 : t.numElements() / t.shape[0];
      inner /= channels;
      positives[i].resize(channels);
      for (int64_t k = 0, e = t.numElements(); k < e; ++k)
        if (data[k] > 0)
          positives[i][(k / inner) % channels].push_back(data[k]);
    }
    for (auto [k, entry] : llvm::enumerate(pools)) {
      const HostTensor &t = (*outputs)[numOriginal + entry.second];
      auto pool = entry.first;
      SmallVector<int64_t> strides(pool.getKernelShape());
      if (auto s = pool.getStrides())
        strides.assign(s->begin(), s->end());
      if (t.shape.size() == 4)
        accumulatePool(reinterpret_cast<const float *>(t.data.data()), t.shape,
                       pool.getKernelShape(), strides, poolSums[k]);
    }
  }

  // The percentile of `v` (reordered), or `fallback` when it is empty.
  auto percentileOf = [&](std::vector<float> &v, float fallback) {
    if (v.empty())
      return fallback;
    size_t k = std::min(v.size() - 1,
                        static_cast<size_t>(percentile / 100.0 * v.size()));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
  };
  for (auto [i, relu] : llvm::enumerate(relus)) {
    std::vector<std::vector<float>> &channels = positives[i];
    std::vector<float> all;
    for (const std::vector<float> &c : channels)
      all.insert(all.end(), c.begin(), c.end());
    float scale = percentileOf(all, 1);
    all = {};
    relu->setAttr(snn::kActivationScaleAttr, b.getF32FloatAttr(scale));
    ++numAnnotated;
    if (!perChannel || channels.size() < 2)
      continue;
    // A channel that never fired on the calibration data keeps the layer's
    // scale.
    std::vector<float> scales;
    for (std::vector<float> &c : channels)
      scales.push_back(percentileOf(c, scale));
    auto type = RankedTensorType::get({static_cast<int64_t>(scales.size())},
                                      b.getF32Type());
    relu->setAttr(snn::kChannelScalesAttr,
                  DenseElementsAttr::get(type, ArrayRef<float>(scales)));
  }
  for (auto [k, entry] : llvm::enumerate(pools)) {
    double gain = poolSums[k].avg > 0 ? poolSums[k].max / poolSums[k].avg : 1;
    entry.first->setAttr("snn.maxpool_gain", b.getF32FloatAttr(gain));
    ++numAnnotated;
  }
}

} // namespace
