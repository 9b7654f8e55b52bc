//===- Normalization.cpp - Type inference of normalization ops ------------===//
//
// Part of Fulcrum. BatchNormalization, LayerNormalization, Softmax,
// LogSoftmax.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

LogicalResult
BatchNormalizationOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  auto x = getTensorShape(getX().getType());
  if (x && x->size() < 2)
    return emitOpError("X must have rank at least 2 (N x C ...)");
  int64_t channels = x ? (*x)[1] : ShapedType::kDynamic;
  for (Value v : {Value(getScale()), Value(getB()), Value(getInputMean()), Value(getInputVar())}) {
    auto s = getTensorShape(v.getType());
    if (!s)
      continue;
    if (s->size() != 1)
      return emitOpError("scale, B, mean and var must be 1-D");
    if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic((*s)[0]) &&
        (*s)[0] != channels)
      return emitOpError("scale, B, mean and var must have ")
             << channels << " elements (the channels of X)";
  }
  results.push_back(getX().getType());
  // running_mean and running_var: 1-D over channels, or none.
  for (Value r : {Value(getRunningMean()), Value(getRunningVar())}) {
    if (isa<NoneType>(r.getType())) {
      results.push_back(r.getType());
      continue;
    }
    if (!getTrainingMode())
      return emitOpError("running_mean and running_var are only produced in "
                         "training mode");
    results.push_back(RankedTensorType::get(
        {channels}, getElementTypeOrSelf(getInputMean().getType())));
  }
  return success();
}

LogicalResult
LayerNormalizationOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  auto x = getTensorShape(getX().getType());
  std::optional<int64_t> axis;
  if (x) {
    axis = normalizeAxis(getOperation(), static_cast<int64_t>(getAxis()),
                         x->size(), "axis");
    if (!axis)
      return failure();
    // Scale and B must broadcast to the normalized dimensions.
    SmallVector<int64_t> normalized(x->begin() + *axis, x->end());
    for (Value v : {Value(getScale()), getB()}) {
      if (isNoValue(v))
        continue;
      if (auto s = getTensorShape(v.getType())) {
        auto b = broadcastShapes(getOperation(), {normalized, *s});
        if (failed(b))
          return failure();
        if (b->size() != normalized.size())
          return emitOpError("Scale and B must broadcast to the normalized "
                             "dimensions");
      }
    }
  }
  results.push_back(getX().getType());
  // Mean and InvStdDev: X's shape with the normalized dimensions set to 1;
  // their element type (stash_type) is taken as declared.
  for (Value r : {Value(getMean()), Value(getInvStdDev())}) {
    if (isa<NoneType>(r.getType())) {
      results.push_back(r.getType());
      continue;
    }
    Type stash = getElementTypeOrSelf(r.getType());
    if (!x) {
      results.push_back(UnrankedTensorType::get(stash));
      continue;
    }
    SmallVector<int64_t> shape = *x;
    for (size_t i = *axis; i < shape.size(); ++i)
      shape[i] = 1;
    results.push_back(RankedTensorType::get(shape, stash));
  }
  return success();
}

/// Softmax-like: the axis must be valid; the result has the input's type.
static LogicalResult inferSoftmaxLike(Operation *op, Value input, int64_t axis,
                                      SmallVectorImpl<Type> &results) {
  if (auto shape = getTensorShape(input.getType()))
    if (!normalizeAxis(op, axis, shape->size(), "axis"))
      return failure();
  results.push_back(input.getType());
  return success();
}

LogicalResult SoftmaxOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(getOperation(), getInput(),
                          static_cast<int64_t>(getAxis()), results);
}

LogicalResult LogSoftmaxOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(getOperation(), getInput(),
                          static_cast<int64_t>(getAxis()), results);
}

} // namespace fulcrum::onnx
