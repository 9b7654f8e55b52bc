//===- ConvertONNXToSNN.cpp - ReLU networks to rate-coded SNNs ------------===//
//
// Part of Fulcrum. Threshold-balanced ANN-to-SNN conversion (see the pass
// description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/SNN/IR/SNNOps.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>

namespace fulcrum::snn {
#define GEN_PASS_DEF_CONVERTONNXTOSNN
#include "fulcrum/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace fulcrum::snn

using namespace mlir;
using namespace fulcrum;
using namespace fulcrum::snn;

namespace {

/// What an onnx value became: a sum of snn values, each in units of
/// `scale` ANN activations (spikes of a neuron with threshold lambda carry
/// lambda; currents and the input carry 1). `scale` has one value, or one
/// per channel (the first per-sample dimension; after a Flatten, the
/// channels of the flattened elements, which keep their order).
struct Mapped {
  SmallVector<Value, 2> terms;
  SmallVector<double, 1> scale = {1};
  bool isUnit() const { return scale.size() == 1 && scale[0] == 1; }
  /// The scale of element `e` of a per-sample value of `n` elements.
  double at(int64_t e, int64_t n) const {
    if (scale.size() == 1)
      return scale[0];
    return scale[e / (n / static_cast<int64_t>(scale.size()))];
  }
  /// The scale of every element of a per-sample `type`.
  std::vector<float> perElement(ShapedType type) const {
    int64_t n = type.getNumElements();
    std::vector<float> out(n);
    for (int64_t e = 0; e < n; ++e)
      out[e] = at(e, n);
    return out;
  }
};

/// `node 'NAME' (Op)` for diagnostics.
std::string describe(Operation *op) {
  std::string name;
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    name = loc.getName().str();
  StringRef opName = op->getName().stripDialect();
  return "node '" + name + "' (" + opName.str() + ")";
}

/// The ONNX node name as a NIR node name: no leading '/', and '_' for the
/// other '/' (a group separator in HDF5).
StringAttr nodeName(OpBuilder &b, Operation *op, StringRef fallback) {
  auto loc = dyn_cast<NameLoc>(op->getLoc());
  if (!loc || loc.getName().strref().trim('/').empty())
    return b.getStringAttr(fallback);
  std::string name = loc.getName().strref().trim('/').str();
  std::replace(name.begin(), name.end(), '/', '_');
  return b.getStringAttr(name);
}

RankedTensorType perSample(Type t) {
  auto r = cast<RankedTensorType>(t);
  return RankedTensorType::get(r.getShape().drop_front(), r.getElementType());
}

DenseElementsAttr floats(ArrayRef<int64_t> shape, ArrayRef<float> values,
                         MLIRContext *ctx) {
  auto type = RankedTensorType::get(shape, Float32Type::get(ctx));
  return DenseElementsAttr::get(type, values);
}

DenseElementsAttr splat(MLIRContext *ctx, float value) {
  return floats({1}, {value}, ctx);
}

class Converter {
public:
  Converter(func::FuncOp func, StringRef maxPoolMode, double lifTau)
      : func(func), ctx(func.getContext()), maxPoolMode(maxPoolMode),
        lifTau(lifTau) {}

  LogicalResult run(Pass::Statistic &numNeurons, Pass::Statistic &numMaxPools);

private:
  InFlightDiagnostic fail(Operation *op, const Twine &why) {
    return op->emitError() << describe(op) << ": " << why;
  }
  /// One snn value for `v` in units of `scale`, scaling spikes into
  /// currents where a sum needs it.
  FailureOr<Value> single(Operation *user, Value v);
  /// `v` as terms in ANN units (scale 1).
  FailureOr<SmallVector<Value, 2>> inAnnUnits(Operation *user, Value v);
  LogicalResult convert(Operation *op, Pass::Statistic &numNeurons,
                        Pass::Statistic &numMaxPools);
  LogicalResult convertGemm(Operation *op, Value x, ArrayRef<double> w,
                            int64_t out, int64_t in, bool wIsOutIn,
                            std::optional<SmallVector<double>> bias,
                            double alpha, double beta);

  func::FuncOp func;
  MLIRContext *ctx;
  /// "spike-max" or "avg" (the `maxpool` option).
  StringRef maxPoolMode;
  /// LIF neurons with this time constant; 0: IF neurons.
  double lifTau;
  OpBuilder *b = nullptr;
  llvm::DenseMap<Value, Mapped> map;
  int counter = 0;
  std::string fresh(StringRef stem) {
    return (stem + "_" + Twine(counter++)).str();
  }
};

FailureOr<Value> Converter::single(Operation *user, Value v) {
  auto it = map.find(v);
  if (it == map.end()) {
    fail(user, "operand is not produced by a supported operator");
    return failure();
  }
  if (it->second.terms.size() != 1) {
    fail(user, "a residual sum may only feed a Relu (or the output)");
    return failure();
  }
  return it->second.terms.front();
}

FailureOr<SmallVector<Value, 2>> Converter::inAnnUnits(Operation *user,
                                                       Value v) {
  auto it = map.find(v);
  if (it == map.end()) {
    fail(user, "operand is not produced by a supported operator");
    return failure();
  }
  SmallVector<Value, 2> out;
  const Mapped &m = it->second;
  for (Value t : m.terms) {
    if (!m.isUnit()) {
      auto type = cast<RankedTensorType>(t.getType());
      DenseElementsAttr scale =
          m.scale.size() == 1
              ? splat(ctx, m.scale[0])
              : floats(type.getShape(), m.perElement(type), ctx);
      t = b->create<ScaleOp>(user->getLoc(), type, t, scale,
                             b->getStringAttr(fresh("scale")));
    }
    out.push_back(t);
  }
  return out;
}

LogicalResult Converter::convertGemm(Operation *op, Value x, ArrayRef<double> w,
                                     int64_t out, int64_t in, bool wIsOutIn,
                                     std::optional<SmallVector<double>> bias,
                                     double alpha, double beta) {
  FailureOr<Value> input = single(op, x);
  if (failed(input))
    return failure();
  const Mapped &scales = map[x];
  std::vector<float> weight(out * in);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      weight[o * in + i] = alpha * scales.at(i, in) *
                           (wIsOutIn ? w[o * in + i] : w[i * out + o]);
  DenseElementsAttr biasAttr;
  if (bias) {
    if (bias->size() != 1 && static_cast<int64_t>(bias->size()) != out)
      return fail(op, "the bias must be a scalar or one value per output");
    std::vector<float> bv(out);
    for (int64_t o = 0; o < out; ++o)
      bv[o] = beta * (*bias)[bias->size() == 1 ? 0 : o];
    biasAttr = floats({out}, bv, ctx);
  }
  auto type = RankedTensorType::get({out}, Float32Type::get(ctx));
  auto affine = b->create<AffineOp>(op->getLoc(), type, *input,
                                    floats({out, in}, weight, ctx), biasAttr,
                                    nodeName(*b, op, fresh("affine")));
  map[op->getResult(0)] = {{affine}, {1}};
  return success();
}

LogicalResult Converter::convert(Operation *op, Pass::Statistic &numNeurons,
                                 Pass::Statistic &numMaxPools) {
  Location loc = op->getLoc();
  auto requireRank = [&](Value v, int64_t rank) -> LogicalResult {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getRank() != rank || !t.getElementType().isF32() ||
        ShapedType::isDynamicShape(t.getShape().drop_front()))
      return fail(op, "expects an f32 tensor of rank " + Twine(rank) +
                          " with static per-sample dimensions");
    return success();
  };

  if (isa<onnx::ConstantOp, onnx::NoValueOp>(op))
    return success(); // Read where used.

  if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
    auto w = onnx::getConstantFloats(gemm.getB());
    if (!w || gemm.getTransA() != 0)
      return fail(op, "needs a constant B and transA = 0");
    if (failed(requireRank(gemm.getA(), 2)))
      return failure();
    auto bt = cast<RankedTensorType>(gemm.getB().getType());
    bool transB = gemm.getTransB() != 0;
    int64_t out = bt.getDimSize(transB ? 0 : 1);
    int64_t in = bt.getDimSize(transB ? 1 : 0);
    std::optional<SmallVector<double>> bias;
    if (!isa<NoneType>(gemm.getC().getType())) {
      bias = onnx::getConstantFloats(gemm.getC());
      if (!bias)
        return fail(op, "needs a constant C");
    }
    return convertGemm(op, gemm.getA(), *w, out, in, transB, bias,
                       gemm.getAlpha().convertToDouble(),
                       gemm.getBeta().convertToDouble());
  }

  if (auto matmul = dyn_cast<onnx::MatMulOp>(op)) {
    auto w = onnx::getConstantFloats(matmul.getB());
    auto bt = dyn_cast<RankedTensorType>(matmul.getB().getType());
    if (!w || !bt || bt.getRank() != 2)
      return fail(op, "needs a constant 2-D right operand");
    if (failed(requireRank(matmul.getA(), 2)))
      return failure();
    return convertGemm(op, matmul.getA(), *w, bt.getDimSize(1),
                       bt.getDimSize(0), /*wIsOutIn=*/false, std::nullopt, 1,
                       1);
  }

  if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
    auto w = onnx::getConstantFloats(conv.getW());
    if (!w)
      return fail(op, "needs constant weights");
    if (failed(requireRank(conv.getX(), 4)) || conv.getAutoPad() != "NOTSET")
      return fail(op, "expects a 4-D input and explicit pads");
    SmallVector<int64_t> pads(4, 0), strides(2, 1), dilations(2, 1);
    if (auto p = conv.getPads())
      pads.assign(p->begin(), p->end());
    if (auto s = conv.getStrides())
      strides.assign(s->begin(), s->end());
    if (auto d = conv.getDilations())
      dilations.assign(d->begin(), d->end());
    if (pads[0] != pads[2] || pads[1] != pads[3])
      return fail(op, "asymmetric padding has no NIR Conv2d form");
    FailureOr<Value> input = single(op, conv.getX());
    if (failed(input))
      return failure();
    const Mapped &scales = map[conv.getX()];
    auto wt = cast<RankedTensorType>(conv.getW().getType());
    // Input channel c's spikes carry its scale: weight [F, C/groups, kh, kw].
    int64_t f = wt.getDimSize(0), cg = wt.getDimSize(1);
    int64_t cin = cg * conv.getGroup(), fg = f / conv.getGroup();
    int64_t taps = wt.getDimSize(2) * wt.getDimSize(3);
    std::vector<float> weight(w->size());
    for (size_t i = 0; i < w->size(); ++i) {
      int64_t o = i / (cg * taps), ci = (i / taps) % cg;
      weight[i] = (*w)[i] * scales.at((o / fg) * cg + ci, cin);
    }
    DenseElementsAttr biasAttr;
    if (!isa<NoneType>(conv.getB().getType())) {
      auto bias = onnx::getConstantFloats(conv.getB());
      if (!bias)
        return fail(op, "needs a constant bias");
      std::vector<float> bv(bias->begin(), bias->end());
      biasAttr = floats({wt.getDimSize(0)}, bv, ctx);
    }
    auto c = b->create<Conv2dOp>(loc, perSample(conv.getY().getType()), *input,
                                 floats(wt.getShape(), weight, ctx), biasAttr,
                                 b->getDenseI64ArrayAttr(strides),
                                 b->getDenseI64ArrayAttr({pads[0], pads[1]}),
                                 b->getDenseI64ArrayAttr(dilations),
                                 b->getI64IntegerAttr(conv.getGroup()),
                                 nodeName(*b, op, fresh("conv")));
    map[conv.getY()] = {{c}, {1}};
    return success();
  }

  if (auto relu = dyn_cast<onnx::ReluOp>(op)) {
    auto scale = op->getAttrOfType<FloatAttr>(kActivationScaleAttr);
    if (!scale || !(scale.getValueAsDouble() > 0))
      return fail(op, "has no positive 'snn.activation_scale'; calibrate "
                      "first (fulcrum-snn-calibrate, --calibration-data)");
    auto terms = inAnnUnits(op, relu.getX());
    if (failed(terms))
      return failure();
    auto type = cast<RankedTensorType>((*terms)[0].getType());
    Mapped result;
    result.scale = {scale.getValueAsDouble()};
    if (auto channels =
            op->getAttrOfType<DenseElementsAttr>(kChannelScalesAttr)) {
      if (type.getRank() < 1 || channels.getNumElements() != type.getDimSize(0))
        return fail(op, "'snn.channel_scales' needs one value per channel");
      result.scale.clear();
      for (APFloat v : channels.getValues<APFloat>()) {
        if (!(v.convertToDouble() > 0))
          return fail(op, "'snn.channel_scales' must be positive");
        result.scale.push_back(v.convertToDouble());
      }
    }
    // Threshold lambda, membrane from lambda / 2: one value, or one per
    // neuron from its channel's scale.
    std::vector<float> threshold = result.perElement(type), init;
    for (float t : threshold)
      init.push_back(0.5f * t);
    bool single = result.scale.size() == 1;
    auto param = [&](ArrayRef<float> v) {
      return single ? splat(ctx, v[0]) : floats(type.getShape(), v, ctx);
    };
    Value neuron;
    if (lifTau > 0)
      // r = tau: each step adds the input current and leaks v / tau.
      neuron = b->create<LIFOp>(
          loc, type, *terms, splat(ctx, lifTau), splat(ctx, lifTau),
          /*v_leak=*/splat(ctx, 0), param(threshold),
          /*v_reset=*/DenseElementsAttr(), param(init),
          b->getStringAttr("subtract"), nodeName(*b, op, fresh("lif")));
    else
      neuron = b->create<IFOp>(
          loc, type, *terms, splat(ctx, 1.0f), param(threshold),
          /*v_reset=*/DenseElementsAttr(), param(init),
          b->getStringAttr("subtract"), nodeName(*b, op, fresh("if")));
    ++numNeurons;
    result.terms = {neuron};
    map[relu.getY()] = result;
    return success();
  }

  if (auto add = dyn_cast<onnx::AddOp>(op)) {
    // A constant addend joins the bias of the affine/conv before it.
    for (int i = 0; i < 2; ++i) {
      auto c = onnx::getConstantFloats(op->getOperand(1 - i));
      if (!c)
        continue;
      Value other = op->getOperand(i);
      auto it = map.find(other);
      Operation *producer = it == map.end() || it->second.terms.size() != 1
                                ? nullptr
                                : it->second.terms[0].getDefiningOp();
      if (!producer || !isa<AffineOp, Conv2dOp>(producer) || !other.hasOneUse())
        return fail(op, "a constant addend must follow a single-use Gemm, "
                        "MatMul or Conv");
      int64_t channels =
          cast<RankedTensorType>(producer->getResult(0).getType())
              .getDimSize(0);
      if (c->size() != 1 && static_cast<int64_t>(c->size()) != channels)
        return fail(op, "the addend must be a scalar or one value per "
                        "output channel");
      std::vector<float> bias(channels, 0.0f);
      if (auto old = producer->getAttrOfType<DenseElementsAttr>("bias"))
        bias.assign(old.getValues<float>().begin(),
                    old.getValues<float>().end());
      for (int64_t k = 0; k < channels; ++k)
        bias[k] += (*c)[c->size() == 1 ? 0 : k];
      producer->setAttr("bias", floats({channels}, bias, ctx));
      map[add.getC()] = it->second;
      return success();
    }
    if (add.getA().getType() != add.getB().getType())
      return fail(op, "a residual Add needs operands of one shape");
    auto lhs = inAnnUnits(op, add.getA());
    auto rhs = inAnnUnits(op, add.getB());
    if (failed(lhs) || failed(rhs))
      return failure();
    Mapped sum;
    sum.terms = *lhs;
    sum.terms.append(rhs->begin(), rhs->end());
    map[add.getC()] = sum;
    return success();
  }

  if (auto flatten = dyn_cast<onnx::FlattenOp>(op)) {
    if (flatten.getAxis() != 1)
      return fail(op, "only axis 1 (keep the batch) is supported");
    FailureOr<Value> input = single(op, flatten.getInput());
    if (failed(input))
      return failure();
    auto type = perSample(flatten.getOutput().getType());
    if (!type.hasStaticShape())
      return fail(op, "needs static per-sample dimensions");
    Value result = *input;
    if (cast<RankedTensorType>(result.getType()).getRank() != 1)
      result = b->create<FlattenOp>(loc, type, *input, b->getI64IntegerAttr(0),
                                    b->getI64IntegerAttr(-1),
                                    nodeName(*b, op, fresh("flatten")));
    map[flatten.getOutput()] = {{result}, map[flatten.getInput()].scale};
    return success();
  }

  auto pool = [&](Value x, Value y, ArrayRef<int64_t> kernel,
                  ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                  double gain) -> LogicalResult {
    if (failed(requireRank(x, 4)))
      return failure();
    if (pads.size() == 4 && (pads[0] != pads[2] || pads[1] != pads[3]))
      return fail(op, "asymmetric padding has no NIR pooling form");
    FailureOr<Value> input = single(op, x);
    if (failed(input))
      return failure();
    auto type = perSample(y.getType());
    Value result = b->create<AvgPool2dOp>(
        loc, type, *input, b->getDenseI64ArrayAttr(kernel),
        b->getDenseI64ArrayAttr(strides),
        b->getDenseI64ArrayAttr(
            {pads.empty() ? 0 : pads[0], pads.empty() ? 0 : pads[1]}),
        nodeName(*b, op, fresh("pool")));
    if (gain != 1)
      result = b->create<ScaleOp>(loc, type, result, splat(ctx, gain),
                                  b->getStringAttr(fresh("maxpool_gain")));
    map[y] = {{result}, map[x].scale};
    return success();
  };
  auto vec = [](std::optional<ArrayRef<int64_t>> a, size_t n, int64_t dflt) {
    SmallVector<int64_t> v(n, dflt);
    if (a)
      v.assign(a->begin(), a->end());
    return v;
  };

  if (auto avg = dyn_cast<onnx::AveragePoolOp>(op)) {
    SmallVector<int64_t> pads = vec(avg.getPads(), 4, 0);
    if (avg.getCeilMode() || avg.getAutoPad() != "NOTSET" ||
        (llvm::any_of(pads, [](int64_t p) { return p != 0; }) &&
         !avg.getCountIncludePad()))
      return fail(op, "needs ceil_mode 0, explicit pads and, with padding, "
                      "count_include_pad 1");
    return pool(avg.getX(), avg.getY(), avg.getKernelShape(),
                vec(avg.getStrides(), 2, 1), pads, 1);
  }
  if (auto gap = dyn_cast<onnx::GlobalAveragePoolOp>(op)) {
    if (failed(requireRank(gap.getX(), 4)))
      return failure();
    auto t = cast<RankedTensorType>(gap.getX().getType());
    SmallVector<int64_t> kernel = {t.getDimSize(2), t.getDimSize(3)};
    return pool(gap.getX(), gap.getY(), kernel, kernel, {}, 1);
  }
  if (auto maxPool = dyn_cast<onnx::MaxPoolOp>(op)) {
    SmallVector<int64_t> pads = vec(maxPool.getPads(), 4, 0);
    SmallVector<int64_t> strides = vec(maxPool.getStrides(), 2, 1);
    bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
    if (maxPool.getCeilMode() || maxPool.getAutoPad() != "NOTSET" ||
        (padded && maxPoolMode != "spike-max") ||
        llvm::any_of(vec(maxPool.getDilations(), 2, 1),
                     [](int64_t d) { return d != 1; }) ||
        !maxPool.getIndices().use_empty())
      return fail(op, maxPoolMode == "spike-max"
                          ? "only undilated MaxPool with ceil_mode 0 and "
                            "without indices is converted"
                          : "only unpadded, undilated MaxPool without "
                            "indices is approximated");
    ++numMaxPools;
    if (maxPoolMode == "spike-max") {
      if (failed(requireRank(maxPool.getX(), 4)))
        return failure();
      if (pads[0] != pads[2] || pads[1] != pads[3])
        return fail(op, "asymmetric padding has no NIR pooling form");
      ArrayRef<int64_t> kernel = maxPool.getKernelShape();
      if (pads[0] >= kernel[0] || pads[1] >= kernel[1])
        return fail(op, "padding must be smaller than the kernel");
      FailureOr<Value> input = single(op, maxPool.getX());
      if (failed(input))
        return failure();
      auto result = b->create<SpikeMaxPool2dOp>(
          loc, perSample(maxPool.getY().getType()), *input,
          b->getDenseI64ArrayAttr(kernel), b->getDenseI64ArrayAttr(strides),
          b->getDenseI64ArrayAttr({pads[0], pads[1]}),
          nodeName(*b, op, fresh("pool")));
      // The max of spike counts is in the units of the spikes pooled.
      map[maxPool.getY()] = {{result}, map[maxPool.getX()].scale};
      return success();
    }
    double gain = 1;
    if (auto g = op->getAttrOfType<FloatAttr>("snn.maxpool_gain"))
      gain = g.getValueAsDouble();
    return pool(maxPool.getX(), maxPool.getY(), maxPool.getKernelShape(),
                strides, pads, gain);
  }

  if (isa<onnx::BatchNormalizationOp>(op))
    return fail(op, "BatchNormalization must follow a Conv to be folded into "
                    "its weights (fulcrum-fold-scale-shift)");
  return fail(op, "operator not supported by the ANN-to-SNN conversion "
                  "(supported: Gemm, MatMul, Conv, Relu, Add, Flatten, "
                  "AveragePool, GlobalAveragePool, MaxPool, "
                  "BatchNormalization after Conv)");
}

LogicalResult Converter::run(Pass::Statistic &numNeurons,
                             Pass::Statistic &numMaxPools) {
  FunctionType type = func.getFunctionType();
  if (type.getNumInputs() != 1 || type.getNumResults() != 1)
    return func.emitError("the ANN-to-SNN conversion needs one input and one "
                          "output, got ")
           << type.getNumInputs() << " and " << type.getNumResults();
  auto inType = dyn_cast<RankedTensorType>(type.getInput(0));
  auto outType = dyn_cast<RankedTensorType>(type.getResult(0));
  if (!inType || !outType || inType.getRank() < 2 || outType.getRank() < 2 ||
      !perSample(inType).hasStaticShape() ||
      !perSample(outType).hasStaticShape())
    return func.emitError("the ANN-to-SNN conversion needs a batched input "
                          "and output with static per-sample dimensions");
  auto newFunc = func::FuncOp::create(
      func.getLoc(), func.getName(),
      FunctionType::get(ctx, {perSample(inType)}, {perSample(outType)}));
  Block *entry = newFunc.addEntryBlock();
  OpBuilder builder(ctx);
  builder.setInsertionPointToStart(entry);
  b = &builder;
  std::string inName = "input";
  if (auto n = func.getArgAttrOfType<StringAttr>(0, "onnx.name"))
    inName = n.str();
  Value in = builder.create<InputOp>(func.getLoc(), perSample(inType),
                                     entry->getArgument(0),
                                     builder.getStringAttr(inName));
  map[func.getArgument(0)] = {{in}, {1}};
  for (Operation &op : func.getBody().front().without_terminator())
    if (failed(convert(&op, numNeurons, numMaxPools))) {
      newFunc.erase();
      return failure();
    }
  Operation *ret = func.getBody().front().getTerminator();
  auto terms = inAnnUnits(ret, ret->getOperand(0));
  if (failed(terms)) {
    newFunc.erase();
    return failure();
  }
  std::string outName = "output";
  if (auto n = func.getResultAttrOfType<StringAttr>(0, "onnx.name"))
    outName = n.str();
  Value out = builder.create<OutputOp>(ret->getLoc(), perSample(outType),
                                       *terms, builder.getStringAttr(outName));
  builder.create<func::ReturnOp>(ret->getLoc(), out);
  newFunc.setArgAttr(0, "onnx.name", builder.getStringAttr(inName));
  newFunc.setResultAttr(0, "onnx.name", builder.getStringAttr(outName));
  func->getBlock()->getOperations().insert(Block::iterator(func), newFunc);
  func.erase();
  return success();
}

struct ConvertONNXToSNNPass
    : public snn::impl::ConvertONNXToSNNBase<ConvertONNXToSNNPass> {
  using Base::Base;
  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(entryPoint);
    if (!func) {
      getOperation().emitError("no entry point @") << entryPoint;
      return signalPassFailure();
    }
    if (maxpool != "spike-max" && maxpool != "avg") {
      getOperation().emitError("maxpool must be \"spike-max\" or \"avg\", "
                               "got \"")
          << maxpool << "\"";
      return signalPassFailure();
    }
    if (neuron != "if" && neuron != "lif") {
      getOperation().emitError("neuron must be \"if\" or \"lif\", got \"")
          << neuron << "\"";
      return signalPassFailure();
    }
    if (neuron == "lif" && !(lifTau > 0)) {
      getOperation().emitError("lif-tau must be positive, got ") << lifTau;
      return signalPassFailure();
    }
    Converter converter(func, maxpool, neuron == "lif" ? lifTau : 0.0);
    if (failed(converter.run(numNeurons, numMaxPools)))
      signalPassFailure();
  }
};

} // namespace
