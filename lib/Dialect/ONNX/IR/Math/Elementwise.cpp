//===- Elementwise.cpp - Type inference of element-wise ONNX ops ----------===//
//
// Part of Fulcrum. Unary activations and math functions, Cast, Clip, and the
// broadcasting binary operators.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

/// Result type = type of the first operand.
static LogicalResult inferSameAsInput(Operation *op,
                                      SmallVectorImpl<Type> &results) {
  results.push_back(op->getOperand(0).getType());
  return success();
}

#define FULCRUM_SAME_TYPE_OP(OP)                                               \
  LogicalResult OP::inferResultTypes(SmallVectorImpl<Type> &results) {         \
    return inferSameAsInput(getOperation(), results);                          \
  }
FULCRUM_SAME_TYPE_OP(AbsOp)
FULCRUM_SAME_TYPE_OP(CeluOp)
FULCRUM_SAME_TYPE_OP(EluOp)
FULCRUM_SAME_TYPE_OP(ErfOp)
FULCRUM_SAME_TYPE_OP(ExpOp)
FULCRUM_SAME_TYPE_OP(HardSigmoidOp)
FULCRUM_SAME_TYPE_OP(HardSwishOp)
FULCRUM_SAME_TYPE_OP(IdentityOp)
FULCRUM_SAME_TYPE_OP(LeakyReluOp)
FULCRUM_SAME_TYPE_OP(LogOp)
FULCRUM_SAME_TYPE_OP(NegOp)
FULCRUM_SAME_TYPE_OP(ReciprocalOp)
FULCRUM_SAME_TYPE_OP(ReluOp)
FULCRUM_SAME_TYPE_OP(SeluOp)
FULCRUM_SAME_TYPE_OP(SigmoidOp)
FULCRUM_SAME_TYPE_OP(SoftplusOp)
FULCRUM_SAME_TYPE_OP(SoftsignOp)
FULCRUM_SAME_TYPE_OP(SqrtOp)
FULCRUM_SAME_TYPE_OP(TanhOp)
FULCRUM_SAME_TYPE_OP(ThresholdedReluOp)
#undef FULCRUM_SAME_TYPE_OP

LogicalResult DropoutOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  results.push_back(getData().getType());
  // mask: bool with the data's shape, or none when not requested.
  if (isa<NoneType>(getMask().getType()))
    results.push_back(getMask().getType());
  else
    results.push_back(makeTensorType(getTensorShape(getData().getType()),
                                     IntegerType::get(getContext(), 1)));
  return success();
}

LogicalResult ClipOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getInput().getType());
  for (Value bound : {Value(getMin()), Value(getMax())}) {
    if (isNoValue(bound))
      continue;
    if (getElementTypeOrSelf(bound.getType()) != elt)
      return emitOpError("bounds must have the input's element type ")
             << elt;
    auto shape = getTensorShape(bound.getType());
    if (shape && !shape->empty() && !(shape->size() == 1 && (*shape)[0] == 1))
      return emitOpError("bounds must be scalars");
  }
  results.push_back(getInput().getType());
  return success();
}

LogicalResult CastOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeFromONNX(getContext(), getTo());
  if (!elt)
    return emitOpError("unsupported target data type ") << getTo();
  results.push_back(makeTensorType(getTensorShape(getInput().getType()), elt));
  return success();
}

/// Binary operators whose operands share an element type and broadcast.
static LogicalResult inferBroadcastBinary(Operation *op,
                                          SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(op->getOperand(0).getType());
  if (getElementTypeOrSelf(op->getOperand(1).getType()) != elt)
    return op->emitOpError("operands must have the same element type");
  auto type = inferBroadcastType(op, op->getOperands(), elt);
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}

#define FULCRUM_BROADCAST_OP(OP)                                               \
  LogicalResult OP::inferResultTypes(SmallVectorImpl<Type> &results) {         \
    return inferBroadcastBinary(getOperation(), results);                      \
  }
FULCRUM_BROADCAST_OP(AddOp)
FULCRUM_BROADCAST_OP(SubOp)
FULCRUM_BROADCAST_OP(MulOp)
FULCRUM_BROADCAST_OP(DivOp)
#undef FULCRUM_BROADCAST_OP

LogicalResult PowOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  // The exponent may have another numeric type; the result has X's.
  auto type = inferBroadcastType(getOperation(), getOperands(),
                                 getElementTypeOrSelf(getX().getType()));
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}

LogicalResult PReluOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  // The slope broadcasts unidirectionally to X.
  auto x = getTensorShape(getX().getType());
  auto slope = getTensorShape(getSlope().getType());
  if (x && slope) {
    auto shape = broadcastShapes(getOperation(), {*x, *slope});
    if (failed(shape))
      return failure();
    if (shape->size() != x->size())
      return emitOpError("slope must broadcast to the shape of X");
  }
  results.push_back(getX().getType());
  return success();
}

} // namespace fulcrum::onnx
