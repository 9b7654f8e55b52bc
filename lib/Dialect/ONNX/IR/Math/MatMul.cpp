//===- MatMul.cpp - Type inference of MatMul and Gemm ---------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

/// Whether two dimensions can be equal at run time.
static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult MatMulOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getA().getType());
  if (getElementTypeOrSelf(getB().getType()) != elt)
    return emitOpError("operands must have the same element type");
  auto a = getTensorShape(getA().getType());
  auto b = getTensorShape(getB().getType());
  if (!a || !b) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  if (a->empty() || b->empty())
    return emitOpError("operands must have rank at least 1");
  // numpy.matmul: 1-D operands are promoted to matrices and the promoted
  // dimension is removed from the result.
  bool aVector = a->size() == 1, bVector = b->size() == 1;
  SmallVector<int64_t> am = *a, bm = *b;
  if (aVector)
    am.insert(am.begin(), 1);
  if (bVector)
    bm.push_back(1);
  int64_t k1 = am.back(), k2 = bm[bm.size() - 2];
  if (!dimsAgree(k1, k2))
    return emitOpError("contraction dimensions differ: ")
           << k1 << " vs " << k2;
  SmallVector<int64_t> aBatch(am.begin(), am.end() - 2);
  SmallVector<int64_t> bBatch(bm.begin(), bm.end() - 2);
  auto batch = broadcastShapes(getOperation(), {aBatch, bBatch});
  if (failed(batch))
    return failure();
  SmallVector<int64_t> shape = *batch;
  if (!aVector)
    shape.push_back(am[am.size() - 2]);
  if (!bVector)
    shape.push_back(bm.back());
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult GemmOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getA().getType());
  if (getElementTypeOrSelf(getB().getType()) != elt)
    return emitOpError("operands must have the same element type");
  auto a = getTensorShape(getA().getType());
  auto b = getTensorShape(getB().getType());
  if ((a && a->size() != 2) || (b && b->size() != 2))
    return emitOpError("A and B must be matrices");
  int64_t m = ShapedType::kDynamic, n = ShapedType::kDynamic;
  if (a) {
    int64_t k = getTransA() ? (*a)[0] : (*a)[1];
    m = getTransA() ? (*a)[1] : (*a)[0];
    if (b && !dimsAgree(k, getTransB() ? (*b)[1] : (*b)[0]))
      return emitOpError("contraction dimensions of A and B differ");
  }
  if (b)
    n = getTransB() ? (*b)[0] : (*b)[1];
  if (!isNoValue(getC())) {
    if (getElementTypeOrSelf(getC().getType()) != elt)
      return emitOpError("C must have the element type of A");
    if (auto c = getTensorShape(getC().getType())) {
      if (c->size() > 2)
        return emitOpError("C must have rank at most 2");
      SmallVector<int64_t> out = {m, n};
      auto shape = broadcastShapes(getOperation(), {out, *c});
      if (failed(shape))
        return failure();
    }
  }
  results.push_back(RankedTensorType::get({m, n}, elt));
  return success();
}

} // namespace fulcrum::onnx
