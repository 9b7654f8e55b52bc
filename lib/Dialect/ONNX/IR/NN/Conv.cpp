//===- Conv.cpp - Type inference of Conv ----------------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

template <typename T>
static SmallVector<int64_t> toVector(std::optional<ArrayRef<T>> a) {
  return a ? SmallVector<int64_t>(a->begin(), a->end()) : SmallVector<int64_t>();
}

LogicalResult ConvOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getX().getType());
  if (getElementTypeOrSelf(getW().getType()) != elt)
    return emitOpError("X and W must have the same element type");
  auto x = getTensorShape(getX().getType());
  auto w = getTensorShape(getW().getType());
  if (x && x->size() < 3)
    return emitOpError("X must have rank at least 3 (N x C x D1 ...)");
  if (x && w && x->size() != w->size())
    return emitOpError("X and W must have the same rank");
  int64_t group = static_cast<int64_t>(getGroup());
  if (group <= 0)
    return emitOpError("group must be positive");
  if (x && w && !ShapedType::isDynamic((*x)[1]) &&
      !ShapedType::isDynamic((*w)[1]) && (*x)[1] != (*w)[1] * group)
    return emitOpError("input channels (")
           << (*x)[1] << ") must equal W's channels (" << (*w)[1]
           << ") times group (" << group << ")";
  if (w && !ShapedType::isDynamic((*w)[0]) && (*w)[0] % group != 0)
    return emitOpError("output channels must be a multiple of group");
  if (!isNoValue(getB())) {
    auto b = getTensorShape(getB().getType());
    if (b && b->size() != 1)
      return emitOpError("B must be 1-D");
    if (b && w && !ShapedType::isDynamic((*b)[0]) &&
        !ShapedType::isDynamic((*w)[0]) && (*b)[0] != (*w)[0])
      return emitOpError("B must have one value per output channel");
  }
  if (!x || !w) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  int64_t spatial = x->size() - 2;
  WindowParams p;
  p.kernel = toVector(getKernelShape());
  if (p.kernel.empty())
    p.kernel.assign(w->begin() + 2, w->end());
  p.strides = toVector(getStrides());
  p.dilations = toVector(getDilations());
  p.pads = toVector(getPads());
  p.autoPad = getAutoPad();
  if (failed(completeWindowParams(getOperation(), spatial, p)))
    return failure();
  SmallVector<int64_t> shape = {(*x)[0], (*w)[0]};
  for (int64_t i = 0; i < spatial; ++i)
    shape.push_back(windowOutputSize((*x)[i + 2], p.kernel[i], p.strides[i],
                                     p.dilations[i], p.pads[i],
                                     p.pads[i + spatial], p.autoPad, false));
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

} // namespace fulcrum::onnx
