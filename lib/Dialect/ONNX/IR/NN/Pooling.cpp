//===- Pooling.cpp - Type inference of pooling ops ------------------------===//
//
// Part of Fulcrum. MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

/// Shape of a windowed pooling result; `dilations` may be empty.
static FailureOr<Type> inferPool(Operation *op, Value x,
                                 ArrayRef<int64_t> kernel,
                                 std::optional<ArrayRef<int64_t>> strides,
                                 std::optional<ArrayRef<int64_t>> dilations,
                                 std::optional<ArrayRef<int64_t>> pads,
                                 StringRef autoPad, bool ceilMode) {
  Type elt = getElementTypeOrSelf(x.getType());
  auto shape = getTensorShape(x.getType());
  if (!shape)
    return Type(UnrankedTensorType::get(elt));
  if (shape->size() < 3)
    return op->emitOpError("X must have rank at least 3 (N x C x D1 ...)");
  int64_t spatial = shape->size() - 2;
  WindowParams p;
  p.kernel.assign(kernel.begin(), kernel.end());
  if (strides)
    p.strides.assign(strides->begin(), strides->end());
  if (dilations)
    p.dilations.assign(dilations->begin(), dilations->end());
  if (pads)
    p.pads.assign(pads->begin(), pads->end());
  p.autoPad = autoPad;
  p.ceilMode = ceilMode;
  if (failed(completeWindowParams(op, spatial, p)))
    return failure();
  SmallVector<int64_t> out = {(*shape)[0], (*shape)[1]};
  for (int64_t i = 0; i < spatial; ++i)
    out.push_back(windowOutputSize((*shape)[i + 2], p.kernel[i], p.strides[i],
                                   p.dilations[i], p.pads[i],
                                   p.pads[i + spatial], autoPad, ceilMode));
  return Type(RankedTensorType::get(out, elt));
}

LogicalResult MaxPoolOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  auto y = inferPool(getOperation(), getX(), getKernelShape(), getStrides(),
                     getDilations(), getPads(), getAutoPad(),
                     getCeilMode() != 0);
  if (failed(y))
    return failure();
  results.push_back(*y);
  // Indices: int64 with Y's shape, or none when not requested.
  if (isa<NoneType>(getIndices().getType()))
    results.push_back(getIndices().getType());
  else
    results.push_back(makeTensorType(getTensorShape(*y),
                                     IntegerType::get(getContext(), 64)));
  return success();
}

LogicalResult AveragePoolOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  auto y = inferPool(getOperation(), getX(), getKernelShape(), getStrides(),
                     std::nullopt, getPads(), getAutoPad(),
                     getCeilMode() != 0);
  if (failed(y))
    return failure();
  results.push_back(*y);
  return success();
}

/// N x C x 1 x ... x 1.
static LogicalResult inferGlobalPool(Operation *op,
                                     SmallVectorImpl<Type> &results) {
  Value x = op->getOperand(0);
  auto shape = getTensorShape(x.getType());
  if (shape && shape->size() < 3)
    return op->emitOpError("X must have rank at least 3 (N x C x D1 ...)");
  if (shape)
    for (size_t i = 2; i < shape->size(); ++i)
      (*shape)[i] = 1;
  results.push_back(makeTensorType(shape, getElementTypeOrSelf(x.getType())));
  return success();
}

LogicalResult
GlobalAveragePoolOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  return inferGlobalPool(getOperation(), results);
}

LogicalResult GlobalMaxPoolOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  return inferGlobalPool(getOperation(), results);
}

} // namespace fulcrum::onnx
