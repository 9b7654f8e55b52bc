//===- RecognizeQuantized.cpp - fulcrum-recognize-quantized ---------------===//
//
// Part of Fulcrum. Quantize/dequantize (QDQ) pairs around Conv, Gemm and
// MatMul, the form ONNX quantization tools write (and the form
// fulcrum-onnx-decompose gives QLinearConv and QLinearMatMul), become the
// integer contractions fulcrum.qconv and fulcrum.qgemm.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

namespace fulcrum::fused {
#define GEN_PASS_DEF_RECOGNIZEQUANTIZED
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-recognize-quantized",
                                    "Quantized contractions recognized");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// A per-tensor 8-bit activation: `DequantizeLinear(q, scale, zp)` with a
/// single constant scale and zero point.
struct Activations {
  Value q;
  float scale;
  int64_t zeroPoint;
};

std::optional<Activations> matchActivations(Value v) {
  auto dq = v.getDefiningOp<onnx::DequantizeLinearOp>();
  if (!dq)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dq.getX().getType());
  if (!type || !type.getElementType().isInteger(8))
    return std::nullopt;
  auto scale = onnx::getConstantFloats(dq.getXScale());
  if (!scale || scale->size() != 1 || (*scale)[0] <= 0.0)
    return std::nullopt; // per-channel activations, or not constant
  int64_t zeroPoint = 0;
  if (!onnx::isNoValue(dq.getXZeroPoint())) {
    auto zp = onnx::getConstantInts(dq.getXZeroPoint());
    if (!zp || zp->size() != 1)
      return std::nullopt;
    zeroPoint = (*zp)[0];
  }
  return Activations{dq.getX(), static_cast<float>((*scale)[0]), zeroPoint};
}

/// Symmetric i8 weights: `DequantizeLinear(constant, scale, 0)` with one
/// scale, or one per output channel along `channelAxis`.
struct Weights {
  onnx::DequantizeLinearOp dq;
  SmallVector<int64_t> values;
  SmallVector<float> scales;
};

std::optional<Weights> matchWeights(Value v, int64_t channelAxis) {
  auto dq = v.getDefiningOp<onnx::DequantizeLinearOp>();
  if (!dq)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dq.getX().getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isInteger(8) ||
      type.getElementType().isUnsignedInteger())
    return std::nullopt;
  auto values = onnx::getConstantInts(dq.getX());
  auto scales = onnx::getConstantFloats(dq.getXScale());
  if (!values || !scales)
    return std::nullopt; // weights computed at run time
  if (!onnx::isNoValue(dq.getXZeroPoint())) {
    auto zp = onnx::getConstantInts(dq.getXZeroPoint());
    if (!zp || llvm::any_of(*zp, [](int64_t z) { return z != 0; }))
      return std::nullopt; // asymmetric weights
  }
  int64_t axis =
      dq.getAxis() < 0 ? dq.getAxis() + type.getRank() : dq.getAxis();
  if (scales->size() != 1 &&
      (axis != channelAxis ||
       static_cast<int64_t>(scales->size()) != type.getDimSize(channelAxis)))
    return std::nullopt;
  Weights w{dq, std::move(*values), {}};
  for (double s : *scales)
    w.scales.push_back(static_cast<float>(s));
  return w;
}

/// A bias in accumulator units (`x_scale * w_scale[c]`): absent,
/// `DequantizeLinear` of a constant, or a float constant, of `channels`
/// values (shape [C] or [1, C]). False when present in another form.
bool matchBias(Value v, float xScale, ArrayRef<float> wScales, int64_t channels,
               SmallVectorImpl<int32_t> &bias) {
  if (!v || onnx::isNoValue(v))
    return true;
  // Exports name shared initializers through Identity.
  while (auto identity = v.getDefiningOp<onnx::IdentityOp>())
    v = identity.getInput();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getNumElements() != channels)
    return false;
  std::optional<SmallVector<double>> values;
  if (auto dq = v.getDefiningOp<onnx::DequantizeLinearOp>()) {
    auto q = onnx::getConstantInts(dq.getX());
    auto s = onnx::getConstantFloats(dq.getXScale());
    SmallVector<int64_t> zp = {0};
    if (!onnx::isNoValue(dq.getXZeroPoint())) {
      auto z = onnx::getConstantInts(dq.getXZeroPoint());
      if (!z)
        return false;
      zp = *z;
    }
    if (!q || !s || (s->size() != 1 && s->size() != q->size()) ||
        (zp.size() != 1 && zp.size() != q->size()))
      return false;
    values.emplace();
    for (size_t i = 0; i < q->size(); ++i)
      values->push_back(
          static_cast<double>((*q)[i] - zp[zp.size() == 1 ? 0 : i]) *
          (*s)[s->size() == 1 ? 0 : i]);
  } else {
    values = onnx::getConstantFloats(v);
  }
  if (!values)
    return false;
  for (int64_t c = 0; c < channels; ++c) {
    double unit =
        static_cast<double>(xScale) * wScales[wScales.size() == 1 ? 0 : c];
    double q = std::nearbyint((*values)[c] / unit);
    if (std::abs(q) > 2147483647.0)
      return false;
    bias.push_back(static_cast<int32_t>(q));
  }
  return true;
}

/// What follows the contraction: an optional Relu or constant Clip, then a
/// per-tensor QuantizeLinear, each the only user of the value before it.
struct Output {
  Operation *last = nullptr; // the op whose result the new op replaces
  StringRef activation = "none";
  std::optional<float> clipMin, clipMax;
  std::optional<float> scale;
  int64_t zeroPoint = 0;
  SmallVector<Operation *> ops;
};

Output matchOutput(Operation *contraction) {
  Output out;
  out.last = contraction;
  Value v = contraction->getResult(0);
  Output act = out;
  if (v.hasOneUse()) {
    Operation *user = *v.getUsers().begin();
    if (isa<onnx::ReluOp>(user)) {
      act.activation = "relu";
    } else if (auto clip = dyn_cast<onnx::ClipOp>(user)) {
      auto lo = onnx::isNoValue(clip.getMin())
                    ? std::optional<double>(-INFINITY)
                    : onnx::getConstantSplatFloat(clip.getMin());
      auto hi = onnx::isNoValue(clip.getMax())
                    ? std::optional<double>(INFINITY)
                    : onnx::getConstantSplatFloat(clip.getMax());
      if (lo && hi && *lo <= *hi) {
        act.activation = "clip";
        act.clipMin = static_cast<float>(std::max(*lo, -3.0e38));
        act.clipMax = static_cast<float>(std::min(*hi, 3.0e38));
      }
    }
    if (act.activation != "none") {
      act.last = user;
      act.ops.push_back(user);
      v = user->getResult(0);
    }
  }
  if (!v.hasOneUse())
    return out;
  auto q = dyn_cast<onnx::QuantizeLinearOp>(*v.getUsers().begin());
  if (!q)
    return out;
  auto type = dyn_cast<RankedTensorType>(q.getY().getType());
  auto scale = onnx::getConstantFloats(q.getYScale());
  if (!type || !scale || scale->size() != 1 || (*scale)[0] <= 0.0)
    return out;
  int64_t zeroPoint = 0;
  if (!onnx::isNoValue(q.getYZeroPoint())) {
    auto zp = onnx::getConstantInts(q.getYZeroPoint());
    if (!zp || zp->size() != 1)
      return out;
    zeroPoint = (*zp)[0];
  }
  act.last = q;
  act.ops.push_back(q);
  act.scale = static_cast<float>((*scale)[0]);
  act.zeroPoint = zeroPoint;
  return act;
}

Value createIntConstant(OpBuilder &b, Location loc, RankedTensorType type,
                        ArrayRef<int64_t> values) {
  unsigned width = type.getElementTypeBitWidth();
  SmallVector<APInt> ints;
  for (int64_t v : values)
    ints.push_back(APInt(width, v, /*isSigned=*/true));
  return b
      .create<onnx::ConstantOp>(
          loc, TypeRange{type}, ValueRange{},
          b.getNamedAttr("value", DenseElementsAttr::get(type, ints)))
      .getResult();
}

struct RecognizeQuantizedPass
    : public fulcrum::fused::impl::RecognizeQuantizedBase<
          RecognizeQuantizedPass> {
  void runOnOperation() override {
    hoistQuantizeAboveMaxPool();
    SmallVector<Operation *> roots;
    getOperation().walk([&](Operation *op) {
      if (isa<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(op))
        roots.push_back(op);
    });
    for (Operation *op : roots)
      if (succeeded(rewrite(op))) {
        ++numRecognized;
        ++counter;
      }
  }

  /// QuantizeLinear(MaxPool(x)) becomes MaxPool(QuantizeLinear(x)) when
  /// the pooling has no other user and no Indices: quantization with one
  /// positive scale is monotonic, so it commutes with max (the padding's
  /// -inf quantizes to the type's lowest value, the 8-bit pooling's
  /// padding), and the result is the same bit for bit. The convolution
  /// before the pooling (ResNet's stem) then ends in a QuantizeLinear,
  /// becomes a fulcrum.qconv with its activation fused, and the pooling
  /// runs on bytes.
  void hoistQuantizeAboveMaxPool() {
    SmallVector<onnx::QuantizeLinearOp> candidates;
    getOperation().walk(
        [&](onnx::QuantizeLinearOp q) { candidates.push_back(q); });
    for (onnx::QuantizeLinearOp q : candidates) {
      auto pool = q.getX().getDefiningOp<onnx::MaxPoolOp>();
      if (!pool || !pool.getY().hasOneUse() ||
          !isa<NoneType>(pool.getIndices().getType()))
        continue;
      auto scale = onnx::getConstantFloats(q.getYScale());
      auto xType = dyn_cast<RankedTensorType>(pool.getX().getType());
      auto yType = dyn_cast<RankedTensorType>(q.getY().getType());
      if (!scale || scale->size() != 1 || !((*scale)[0] > 0.0) || !xType ||
          !yType || !xType.getElementType().isF32())
        continue;
      if (!onnx::isNoValue(q.getYZeroPoint())) {
        auto zp = onnx::getConstantInts(q.getYZeroPoint());
        if (!zp || zp->size() != 1)
          continue;
      }
      OpBuilder b(q);
      Operation *quantized = b.clone(*q);
      quantized->setOperand(0, pool.getX());
      quantized->getResult(0).setType(
          RankedTensorType::get(xType.getShape(), yType.getElementType()));
      Operation *pooled = b.clone(*pool);
      pooled->setOperand(0, quantized->getResult(0));
      pooled->getResult(0).setType(yType);
      q.getY().replaceAllUsesWith(pooled->getResult(0));
      q.erase();
      pool.erase();
      ++numHoisted;
    }
  }

  /// The attributes the new op takes from the match.
  void setQuantizationAttrs(OpBuilder &b, Operation *op, const Activations &x,
                            ArrayRef<float> wScales, const Output &out) {
    op->setAttr("x_scale", b.getF32FloatAttr(x.scale));
    op->setAttr("x_zero_point", b.getI64IntegerAttr(x.zeroPoint));
    op->setAttr("w_scale", b.getDenseF32ArrayAttr(wScales));
    if (out.scale) {
      op->setAttr("y_scale", b.getF32FloatAttr(*out.scale));
      op->setAttr("y_zero_point", b.getI64IntegerAttr(out.zeroPoint));
    }
    op->setAttr("activation", b.getStringAttr(out.activation));
    if (out.clipMin) {
      op->setAttr("clip_min", b.getF32FloatAttr(*out.clipMin));
      op->setAttr("clip_max", b.getF32FloatAttr(*out.clipMax));
    }
  }

  LogicalResult rewrite(Operation *op) {
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || !resultType.getElementType().isF32())
      return failure();
    Value xValue = op->getOperand(0), wValue = op->getOperand(1);
    std::optional<Activations> x = matchActivations(xValue);
    if (!x)
      return failure();
    auto xType = cast<RankedTensorType>(x->q.getType());
    int64_t channelAxis = 0;
    Value biasValue;
    auto conv = dyn_cast<onnx::ConvOp>(op);
    auto gemm = dyn_cast<onnx::GemmOp>(op);
    if (conv) {
      // One group, or depthwise (the verifier checks the weights' shape).
      if (xType.getRank() != 4 ||
          (conv.getGroup() != 1 && conv.getGroup() != xType.getDimSize(1)) ||
          (conv.getAutoPad() != "NOTSET" && conv.getAutoPad() != "VALID"))
        return failure();
      biasValue = conv.getB();
    } else if (gemm) {
      if (gemm.getTransA() != 0 || gemm.getAlpha().convertToDouble() != 1.0 ||
          gemm.getBeta().convertToDouble() != 1.0 || xType.getRank() != 2)
        return failure();
      channelAxis = gemm.getTransB() ? 0 : 1;
      biasValue = gemm.getC();
    } else {
      channelAxis = 1;
      if (xType.getRank() < 2)
        return failure();
    }
    std::optional<Weights> w = matchWeights(wValue, channelAxis);
    if (!w)
      return failure();
    auto wType = cast<RankedTensorType>(w->dq.getX().getType());
    if (!conv && wType.getRank() != 2)
      return failure();
    int64_t channels = wType.getDimSize(channelAxis);
    SmallVector<int32_t> bias;
    if (!matchBias(biasValue, x->scale, w->scales, channels, bias))
      return failure();
    Output out = matchOutput(op);
    // An f32 result takes no activation: the activation stays as it is.
    if (!out.scale) {
      out = Output();
      out.last = op;
    }

    OpBuilder b(out.last);
    Location loc = op->getLoc();
    Type resultElt = out.last->getResult(0).getType();
    auto yType = cast<RankedTensorType>(resultElt);
    // Weights as [N, K] rows for qgemm.
    Value weights = w->dq.getX();
    if (!conv && channelAxis == 1) {
      int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
      SmallVector<int64_t> transposed(n * k);
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j)
          transposed[j * k + i] = w->values[i * n + j];
      weights = createIntConstant(
          b, loc, RankedTensorType::get({n, k}, wType.getElementType()),
          transposed);
    }
    Value biasConstant;
    if (llvm::any_of(bias, [](int32_t v) { return v != 0; })) {
      SmallVector<int64_t> wide(bias.begin(), bias.end());
      biasConstant = createIntConstant(
          b, loc, RankedTensorType::get({channels}, b.getI32Type()), wide);
    }
    SmallVector<Value> operands = {x->q, weights};
    if (biasConstant)
      operands.push_back(biasConstant);
    Operation *newOp;
    if (conv) {
      auto orDefault = [](std::optional<ArrayRef<int64_t>> v,
                          SmallVector<int64_t> fallback) {
        return v ? SmallVector<int64_t>(*v) : fallback;
      };
      SmallVector<int64_t> pads = orDefault(conv.getPads(), {0, 0, 0, 0});
      if (conv.getAutoPad() == "VALID")
        pads = {0, 0, 0, 0};
      SmallVector<int64_t> strides = orDefault(conv.getStrides(), {1, 1});
      SmallVector<int64_t> dilations = orDefault(conv.getDilations(), {1, 1});
      if (pads.size() != 4 || strides.size() != 2 || dilations.size() != 2)
        return failure();
      auto q = b.create<QConvOp>(loc, TypeRange{yType}, operands);
      q.setPadsAttr(b.getDenseI64ArrayAttr(pads));
      q.setStridesAttr(b.getDenseI64ArrayAttr(strides));
      q.setDilationsAttr(b.getDenseI64ArrayAttr(dilations));
      q.setGroup(conv.getGroup());
      newOp = q;
    } else {
      newOp = b.create<QGemmOp>(loc, TypeRange{yType}, operands);
    }
    setQuantizationAttrs(b, newOp, *x, w->scales, out);
    // The verifier settles what the match did not check (types, sizes);
    // a rejected candidate stays as it was, silently.
    LogicalResult verified = success();
    {
      ScopedDiagnosticHandler quiet(&getContext(),
                                    [](Diagnostic &) { return success(); });
      verified = mlir::verify(newOp);
    }
    if (failed(verified)) {
      newOp->erase();
      return failure();
    }
    out.last->getResult(0).replaceAllUsesWith(newOp->getResult(0));
    SmallVector<Operation *> dead(llvm::reverse(out.ops));
    dead.push_back(op);
    dead.push_back(w->dq);
    if (Operation *def = xValue.getDefiningOp())
      dead.push_back(def);
    if (biasValue && biasValue.getDefiningOp())
      dead.push_back(biasValue.getDefiningOp());
    eraseDeadOps(dead);
    return success();
  }
};

} // namespace
