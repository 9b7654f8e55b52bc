//===- QuantizedOps.cpp - fulcrum.qconv and fulcrum.qgemm -----------------===//
//
// Part of Fulcrum. Verifiers of the quantized contractions and the
// requantization their lowerings share.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace fulcrum::fused;

namespace {

bool isByteType(Type t) { return t.isInteger(8); }

/// The checks fulcrum.qconv and fulcrum.qgemm share: 8-bit activations,
/// signed 8-bit weights, an i32 bias of one value per output channel,
/// `w_scale` of one value or one per channel, and a result type that fits
/// the scales and the activation.
LogicalResult verifyQuantized(Operation *op, Value x, Value w, Value bias,
                              int64_t channels, ArrayRef<float> wScale,
                              std::optional<APFloat> yScale,
                              StringRef activation, std::optional<APFloat> min,
                              std::optional<APFloat> max) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (!isByteType(xType.getElementType()))
    return op->emitOpError("needs 8-bit integer activations (ui8 or i8)");
  if (!wType.getElementType().isInteger(8) ||
      wType.getElementType().isUnsignedInteger())
    return op->emitOpError("needs signed 8-bit weights (i8)");
  if (bias) {
    auto bType = cast<RankedTensorType>(bias.getType());
    if (!bType.getElementType().isInteger(32) || bType.getRank() != 1 ||
        bType.getDimSize(0) != channels)
      return op->emitOpError() << "bias must be " << channels
                               << " x i32 (one per output channel)";
  }
  if (wScale.size() != 1 && static_cast<int64_t>(wScale.size()) != channels)
    return op->emitOpError()
           << "w_scale must have 1 or " << channels << " values";
  Type elt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  std::optional<Activation> act = parseActivation(activation);
  if (!act || (*act != Activation::None && *act != Activation::Relu &&
               *act != Activation::Clip))
    return op->emitOpError() << "activation must be none, relu or clip";
  if ((*act == Activation::Clip) != (min && max))
    return op->emitOpError("clip_min and clip_max go with activation 'clip'");
  if (isByteType(elt)) {
    if (!yScale || yScale->convertToDouble() <= 0.0)
      return op->emitOpError("an 8-bit result needs a positive y_scale");
    return success();
  }
  if (!elt.isF32() && !elt.isInteger(32))
    return op->emitOpError("result must be ui8, i8, f32 or i32");
  if (*act != Activation::None)
    return op->emitOpError("an f32 or i32 result takes no activation");
  return success();
}

} // namespace

LogicalResult QConvOp::verify() {
  auto xType = cast<RankedTensorType>(getX().getType());
  auto wType = cast<RankedTensorType>(getW().getType());
  auto yType = cast<RankedTensorType>(getY().getType());
  if (xType.getRank() != 4 || wType.getRank() != 4 || yType.getRank() != 4)
    return emitOpError("needs 4-D (NCHW) operands and result");
  int64_t group = getGroup();
  if (group == 1) {
    if (wType.isDynamicDim(0) || wType.getDimSize(1) != xType.getDimSize(1))
      return emitOpError("weights must be F x C x KH x KW with C the input's "
                         "channels (one group)");
  } else if (group != xType.getDimSize(1) || group != wType.getDimSize(0) ||
             wType.getDimSize(1) != 1 || group != yType.getDimSize(1)) {
    return emitOpError("group ")
           << group
           << " must be 1 or, for a depthwise convolution, the input's and "
              "the result's channels with C x 1 x KH x KW weights";
  }
  if (getPads().size() != 4 || getStrides().size() != 2 ||
      getDilations().size() != 2)
    return emitOpError("needs 4 pads, 2 strides and 2 dilations");
  return verifyQuantized(*this, getX(), getW(), getB(), wType.getDimSize(0),
                         getWScale(), getYScale(), getActivation(),
                         getClipMin(), getClipMax());
}

LogicalResult QGemmOp::verify() {
  auto aType = cast<RankedTensorType>(getA().getType());
  auto wType = cast<RankedTensorType>(getW().getType());
  if (aType.getRank() < 2 || wType.getRank() != 2)
    return emitOpError("needs A of rank 2 or more and 2-D weights [N, K]");
  if (wType.getDimSize(1) != aType.getDimSize(aType.getRank() - 1))
    return emitOpError("weights must be [N, K] with K the last dimension of A");
  return verifyQuantized(*this, getA(), getW(), getB(), wType.getDimSize(0),
                         getWScale(), getYScale(), getActivation(),
                         getClipMin(), getClipMax());
}

Requantization fulcrum::fused::getRequantization(Operation *op,
                                                 int64_t channels) {
  Requantization r;
  double xScale = op->getAttrOfType<FloatAttr>("x_scale").getValueAsDouble();
  ArrayRef<float> wScale =
      op->getAttrOfType<DenseF32ArrayAttr>("w_scale").asArrayRef();
  auto yScaleAttr = op->getAttrOfType<FloatAttr>("y_scale");
  Type elt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  auto scaleOf = [&](int64_t c) {
    return xScale *
           static_cast<double>(wScale.size() == 1 ? wScale[0] : wScale[c]);
  };
  if (elt.isInteger(32)) {
    r.mode = Requantization::Mode::I32;
    return r;
  }
  if (elt.isF32()) {
    r.mode = Requantization::Mode::F32;
    for (int64_t c = 0; c < channels; ++c)
      r.multipliers.push_back(static_cast<float>(scaleOf(c)));
    return r;
  }
  double yScale = yScaleAttr.getValueAsDouble();
  for (int64_t c = 0; c < channels; ++c)
    r.multipliers.push_back(static_cast<float>(scaleOf(c) / yScale));
  auto zpAttr = op->getAttrOfType<IntegerAttr>("y_zero_point");
  r.zeroPoint = zpAttr ? zpAttr.getInt() : 0;
  r.signedOutput = !elt.isUnsignedInteger();
  r.lo = r.signedOutput ? -128 : 0;
  r.hi = r.signedOutput ? 127 : 255;
  StringRef activation = "none";
  if (auto a = op->getAttrOfType<StringAttr>("activation"))
    activation = a.getValue();
  auto quantize = [&](double v) {
    return static_cast<int64_t>(std::nearbyint(v / yScale)) + r.zeroPoint;
  };
  if (activation == "relu") {
    r.lo = std::max(r.lo, r.zeroPoint);
  } else if (activation == "clip") {
    r.lo = std::max(
        r.lo,
        quantize(op->getAttrOfType<FloatAttr>("clip_min").getValueAsDouble()));
    r.hi = std::min(
        r.hi,
        quantize(op->getAttrOfType<FloatAttr>("clip_max").getValueAsDouble()));
    r.hi = std::max(r.hi, r.lo);
  }
  return r;
}
