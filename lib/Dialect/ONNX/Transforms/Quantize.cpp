//===- Quantize.cpp - fulcrum-onnx-quantize -------------------------------===//
//
// Part of Fulcrum. Rewrites the Conv, MatMul and Gemm operations that
// calibration annotated with their input ranges (`fulcrum.input_ranges`)
// into ONNX's QDQ form: QuantizeLinear/DequantizeLinear pairs on per-tensor
// activations, int8 per-channel symmetric weights and int32 biases behind
// DequantizeLinear. The QDQ graph is the contract with integer kernels and
// with other runtimes (it exports as standard ONNX).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include <cmath>

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXQUANTIZE
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;
using namespace fulcrum::onnx;

static fulcrum::PassCounter
    quantizedCount("fulcrum-onnx-quantize",
                   "Contractions rewritten into QDQ form");

namespace {

constexpr llvm::StringLiteral kRangesAttr = "fulcrum.input_ranges";

/// A per-tensor scale and zero point.
struct QParams {
  float scale = 1;
  int64_t zeroPoint = 0;
};

/// The parameters of an activation observed in [lo, hi].
QParams activationParams(double lo, double hi, bool asymmetric) {
  QParams p;
  if (asymmetric) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
    double s = (hi - lo) / 255.0;
    p.scale = s > 0 ? static_cast<float>(s) : 1.0f;
    p.zeroPoint = std::clamp<int64_t>(
        static_cast<int64_t>(std::nearbyint(-lo / p.scale)), 0, 255);
    return p;
  }
  double s = std::max(std::fabs(lo), std::fabs(hi)) / 127.0;
  p.scale = s > 0 ? static_cast<float>(s) : 1.0f;
  return p;
}

/// A location named after `base` with `suffix` (initializer names in an
/// exported model).
Location derivedLoc(Location base, StringRef suffix) {
  std::string name = "q";
  if (auto n = dyn_cast<NameLoc>(base))
    name = n.getName().str();
  return NameLoc::get(StringAttr::get(base.getContext(), name + suffix), base);
}

Value createConstant(OpBuilder &b, Location loc, DenseElementsAttr value) {
  return b
      .create<ConstantOp>(loc, TypeRange{value.getType()}, ValueRange{},
                          b.getNamedAttr("value", value))
      .getResult();
}

bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

struct QuantizePass
    : public fulcrum::onnx::impl::ONNXQuantizeBase<QuantizePass> {
  using ONNXQuantizeBase::ONNXQuantizeBase;

  void runOnOperation() override;

private:
  /// The QDQ pair of activation `x`, made once per value.
  Value quantizeActivation(Value x, QParams p);
  /// The int8 weight `w` behind a DequantizeLinear with one scale per
  /// index of `axis`; `scales` receives them. Null when `w` is not a
  /// constant of static shape.
  Value quantizeWeight(Operation *user, Value w, int64_t axis,
                       SmallVectorImpl<float> &scales);
  /// The int32 bias `b` (1-D) with scales `scales`, behind a
  /// DequantizeLinear; null when `b` is not such a constant.
  Value quantizeBias(Operation *user, Value b, ArrayRef<float> scales);
  /// Rewrites one annotated contraction; false when it stays in float.
  bool quantize(Operation *op, ArrayRef<float> ranges);

  llvm::DenseMap<Value, Value> activations;
  bool asymmetric = true;
  int64_t qmax = 127;
};

Value QuantizePass::quantizeActivation(Value x, QParams p) {
  auto it = activations.find(x);
  if (it != activations.end())
    return it->second;
  OpBuilder b(&getContext());
  b.setInsertionPointAfterValue(x);
  auto type = cast<RankedTensorType>(x.getType());
  Location loc =
      x.getDefiningOp() ? x.getDefiningOp()->getLoc() : getOperation().getLoc();
  auto scalar = [&](Type t) { return RankedTensorType::get({}, t); };
  Type qType = asymmetric ? b.getIntegerType(8, /*isSigned=*/false)
                          : b.getIntegerType(8);
  Value scale = createConstant(
      b, derivedLoc(loc, "_scale"),
      DenseElementsAttr::get(scalar(b.getF32Type()), ArrayRef<float>(p.scale)));
  Value zp = createConstant(
      b, derivedLoc(loc, "_zero_point"),
      asymmetric ? DenseElementsAttr::get(
                       scalar(qType),
                       ArrayRef<uint8_t>(static_cast<uint8_t>(p.zeroPoint)))
                 : DenseElementsAttr::get(
                       scalar(qType),
                       ArrayRef<int8_t>(static_cast<int8_t>(p.zeroPoint))));
  Value q = b.create<QuantizeLinearOp>(derivedLoc(loc, "_quantized"),
                                       type.clone(qType), x, scale, zp,
                                       /*axis=*/1);
  Value dq = b.create<DequantizeLinearOp>(derivedLoc(loc, "_dequantized"), type,
                                          q, scale, zp, /*axis=*/1);
  activations[x] = dq;
  return dq;
}

Value QuantizePass::quantizeWeight(Operation *user, Value w, int64_t axis,
                                   SmallVectorImpl<float> &scales) {
  auto type = dyn_cast<RankedTensorType>(w.getType());
  auto constant = w.getDefiningOp<ConstantOp>();
  if (!constant || !type || !type.hasStaticShape() || axis < 0 ||
      axis >= type.getRank())
    return nullptr;
  auto values = getConstantFloats(w);
  if (!values || static_cast<int64_t>(values->size()) != type.getNumElements())
    return nullptr;
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  SmallVector<double> maxAbs(channels, 0.0);
  for (auto [i, v] : llvm::enumerate(*values))
    maxAbs[(i / inner) % channels] =
        std::max(maxAbs[(i / inner) % channels], std::fabs(v));
  scales.clear();
  for (double m : maxAbs)
    scales.push_back(m > 0 ? static_cast<float>(m / qmax) : 1.0f);
  SmallVector<int8_t> q(values->size());
  for (auto [i, v] : llvm::enumerate(*values)) {
    float r =
        std::nearbyint(static_cast<float>(v) / scales[(i / inner) % channels]);
    q[i] = static_cast<int8_t>(std::clamp<float>(r, -qmax, qmax));
  }
  OpBuilder b(user);
  Location loc = constant.getLoc();
  Type i8 = b.getIntegerType(8);
  auto perChannel = [&](Type t) {
    return RankedTensorType::get({channels}, t);
  };
  Value wq = createConstant(
      b, derivedLoc(loc, "_quantized"),
      DenseElementsAttr::get(type.clone(i8), ArrayRef<int8_t>(q)));
  Value ws = createConstant(
      b, derivedLoc(loc, "_scale"),
      DenseElementsAttr::get(perChannel(b.getF32Type()), ArrayRef(scales)));
  Value wz = createConstant(
      b, derivedLoc(loc, "_zero_point"),
      DenseElementsAttr::get(perChannel(i8),
                             ArrayRef(SmallVector<int8_t>(channels, 0))));
  return b.create<DequantizeLinearOp>(derivedLoc(loc, "_dequantized"), type, wq,
                                      ws, wz, axis);
}

Value QuantizePass::quantizeBias(Operation *user, Value bias,
                                 ArrayRef<float> scales) {
  auto type = dyn_cast<RankedTensorType>(bias.getType());
  auto constant = bias.getDefiningOp<ConstantOp>();
  if (!constant || !type || type.getRank() != 1 ||
      type.getDimSize(0) != static_cast<int64_t>(scales.size()))
    return nullptr;
  auto values = getConstantFloats(bias);
  if (!values || values->size() != scales.size())
    return nullptr;
  SmallVector<int32_t> q;
  for (auto [v, s] : llvm::zip(*values, scales)) {
    double r = std::nearbyint(static_cast<float>(v) / s);
    q.push_back(static_cast<int32_t>(
        std::clamp<double>(r, std::numeric_limits<int32_t>::min() + 1.0,
                           std::numeric_limits<int32_t>::max())));
  }
  OpBuilder b(user);
  Location loc = constant.getLoc();
  Type i32 = b.getIntegerType(32);
  Value bq = createConstant(
      b, derivedLoc(loc, "_quantized"),
      DenseElementsAttr::get(type.clone(i32), ArrayRef<int32_t>(q)));
  Value bs = createConstant(
      b, derivedLoc(loc, "_scale"),
      DenseElementsAttr::get(type.clone(b.getF32Type()), scales));
  Value bz = createConstant(
      b, derivedLoc(loc, "_zero_point"),
      DenseElementsAttr::get(type.clone(i32),
                             ArrayRef(SmallVector<int32_t>(scales.size(), 0))));
  return b.create<DequantizeLinearOp>(derivedLoc(loc, "_dequantized"), type, bq,
                                      bs, bz, /*axis=*/0);
}

bool QuantizePass::quantize(Operation *op, ArrayRef<float> ranges) {
  if (op->getNumResults() != 1 || !isF32Tensor(op->getResult(0)) ||
      !isF32Tensor(op->getOperand(0)) || !isF32Tensor(op->getOperand(1)))
    return false;
  auto precision = op->getAttrOfType<StringAttr>("fulcrum.precision");
  if (precision && precision.getValue() == "fp32")
    return false;
  Value x = op->getOperand(0), w = op->getOperand(1);
  auto hasRange = [&](unsigned i) {
    return std::isfinite(ranges[2 * i]) && std::isfinite(ranges[2 * i + 1]);
  };
  if (!hasRange(0) || x.getDefiningOp<ConstantOp>())
    return false;
  // The weight: a constant per output channel, or a second activation.
  auto wType = cast<RankedTensorType>(w.getType());
  std::optional<int64_t> axis;
  if (isa<ConvOp>(op))
    axis = 0;
  else if (auto gemm = dyn_cast<GemmOp>(op))
    axis = gemm.getTransB() ? 0 : 1;
  else if (wType.getRank() == 2)
    axis = 1;
  bool constantWeight = w.getDefiningOp<ConstantOp>() != nullptr;
  if (constantWeight && !axis)
    return false;
  if (!constantWeight && (!hasRange(1) || !quantizeActivationMatMuls))
    return false;

  QParams xp = activationParams(ranges[0], ranges[1], asymmetric);
  SmallVector<float> wScales;
  Value wq;
  if (constantWeight) {
    wq = quantizeWeight(op, w, *axis, wScales);
    if (!wq)
      return false;
  } else {
    wq = quantizeActivation(w,
                            activationParams(ranges[2], ranges[3], asymmetric));
  }
  op->setOperand(1, wq);
  op->setOperand(0, quantizeActivation(x, xp));
  // The bias of a quantized activation and per-channel weight.
  if (constantWeight && op->getNumOperands() > 2 &&
      isF32Tensor(op->getOperand(2))) {
    SmallVector<float> biasScales;
    for (float s : wScales)
      biasScales.push_back(xp.scale * s);
    if (Value bq = quantizeBias(op, op->getOperand(2), biasScales))
      op->setOperand(2, bq);
  }
  return true;
}

void QuantizePass::runOnOperation() {
  if (activationType != "u8" && activationType != "s8") {
    getOperation().emitError()
        << "fulcrum-onnx-quantize: activation-type must be u8 or s8, not '"
        << activationType << "'";
    return signalPassFailure();
  }
  if (weightBits != 8 && weightBits != 7) {
    getOperation().emitError()
        << "fulcrum-onnx-quantize: weight-bits must be 8 or 7, not "
        << static_cast<unsigned>(weightBits);
    return signalPassFailure();
  }
  asymmetric = activationType == "u8";
  qmax = weightBits == 8 ? 127 : 63;
  activations.clear();
  SmallVector<Operation *> annotated;
  getOperation().walk([&](Operation *op) {
    if (isa<ConvOp, MatMulOp, GemmOp>(op) && op->hasAttr(kRangesAttr))
      annotated.push_back(op);
  });
  for (Operation *op : annotated) {
    auto ranges = op->getAttrOfType<DenseF32ArrayAttr>(kRangesAttr);
    op->removeAttr(kRangesAttr);
    if (!ranges || ranges.size() != 4) {
      op->emitError() << "'" << kRangesAttr
                      << "' must be an array<f32> of 4 values (lo0, hi0, "
                         "lo1, hi1)";
      return signalPassFailure();
    }
    SmallVector<Value> before(op->getOperands());
    if (!quantize(op, ranges.asArrayRef()))
      continue;
    ++numQuantized;
    ++quantizedCount;
    // Float weights and biases that nothing reads any more.
    for (Value v : before)
      if (auto c = v.getDefiningOp<ConstantOp>(); c && c->use_empty())
        c->erase();
  }
}

} // namespace
