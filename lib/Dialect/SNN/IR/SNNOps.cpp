//===- SNNOps.cpp - snn dialect and operation verifiers -------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace fulcrum::snn;

#include "fulcrum/Dialect/SNN/IR/SNNDialect.cpp.inc"

#define GET_OP_CLASSES
#include "fulcrum/Dialect/SNN/IR/SNNOps.cpp.inc"

void SNNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fulcrum/Dialect/SNN/IR/SNNOps.cpp.inc"
      >();
}

bool fulcrum::snn::isNeuron(Operation *op) { return isa<IFOp, LIFOp>(op); }

namespace {
RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

LogicalResult checkStatic(Operation *op) {
  for (Type t : op->getOperandTypes())
    if (!cast<RankedTensorType>(t).hasStaticShape())
      return op->emitOpError("needs statically shaped per-sample operands");
  for (Type t : op->getResultTypes())
    if (!cast<RankedTensorType>(t).hasStaticShape())
      return op->emitOpError("needs a statically shaped per-sample result");
  return success();
}

/// A parameter is a splat or has the neurons' shape.
LogicalResult checkParam(Operation *op, StringRef name, ElementsAttr attr,
                         RankedTensorType neurons) {
  if (!attr)
    return success();
  auto type = cast<ShapedType>(attr.getType());
  if (type.getNumElements() == 1 || type.getShape() == neurons.getShape())
    return success();
  return op->emitOpError() << "'" << name
                           << "' must be a single value or have the neurons' "
                              "shape";
}

LogicalResult checkNeuronInputs(Operation *op, ValueRange inputs) {
  if (failed(checkStatic(op)))
    return failure();
  if (inputs.empty())
    return op->emitOpError("needs at least one input");
  for (Value in : inputs)
    if (in.getType() != op->getResult(0).getType())
      return op->emitOpError("inputs must have the result's type (")
             << op->getResult(0).getType() << "), got " << in.getType();
  return success();
}

LogicalResult checkReset(Operation *op, StringRef reset) {
  if (reset != "subtract" && reset != "zero")
    return op->emitOpError("reset must be \"subtract\" or \"zero\", got \"")
           << reset << "\"";
  return success();
}

LogicalResult checkPositive(Operation *op, StringRef name, ElementsAttr attr) {
  for (APFloat v : attr.getValues<APFloat>())
    if (!(v.convertToFloat() > 0))
      return op->emitOpError() << "'" << name << "' must be positive";
  return success();
}

LogicalResult checkPool(Operation *op, ArrayRef<int64_t> kernel,
                        ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
  if (failed(checkStatic(op)))
    return failure();
  auto in = tensorType(op->getOperand(0));
  auto out = tensorType(op->getResult(0));
  if (in.getRank() != 3 || out.getRank() != 3)
    return op->emitOpError("expects [C, H, W] tensors");
  if (kernel.size() != 2 || stride.size() != 2 || padding.size() != 2)
    return op->emitOpError("kernel_size, stride and padding need 2 values");
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] < 1 || stride[i] < 1 || padding[i] < 0)
      return op->emitOpError("kernel_size and stride must be positive");
    int64_t expect =
        (in.getDimSize(1 + i) + 2 * padding[i] - kernel[i]) / stride[i] + 1;
    if (out.getDimSize(1 + i) != expect)
      return op->emitOpError("result spatial size ")
             << out.getDimSize(1 + i) << " does not match " << expect;
  }
  if (in.getDimSize(0) != out.getDimSize(0))
    return op->emitOpError("pooling keeps the channel count");
  return success();
}
} // namespace

LogicalResult InputOp::verify() {
  if (getValue().getType() != getResult().getType())
    return emitOpError("result must have the input's type");
  return checkStatic(*this);
}

LogicalResult OutputOp::verify() {
  return checkNeuronInputs(*this, getInputs());
}

LogicalResult AffineOp::verify() {
  if (failed(checkStatic(*this)))
    return failure();
  auto w = cast<ShapedType>(getWeight().getType());
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (w.getRank() != 2 || in.getRank() != 1 || out.getRank() != 1)
    return emitOpError("expects a 2-D weight and 1-D input and result");
  if (w.getDimSize(0) != out.getDimSize(0) ||
      w.getDimSize(1) != in.getDimSize(0))
    return emitOpError("weight ")
           << w << " does not map " << in << " to " << out;
  if (auto b = getBias())
    if (cast<ShapedType>(b->getType()).getNumElements() != out.getDimSize(0))
      return emitOpError("bias needs one value per output");
  return success();
}

LogicalResult Conv2dOp::verify() {
  if (failed(checkStatic(*this)))
    return failure();
  auto w = cast<ShapedType>(getWeight().getType());
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (w.getRank() != 4 || in.getRank() != 3 || out.getRank() != 3)
    return emitOpError("expects a 4-D weight and [C, H, W] tensors");
  if (getStride().size() != 2 || getPadding().size() != 2 ||
      getDilation().size() != 2)
    return emitOpError("stride, padding and dilation need 2 values");
  int64_t groups = getGroups();
  if (groups < 1 || in.getDimSize(0) % groups ||
      w.getDimSize(1) * groups != in.getDimSize(0) ||
      w.getDimSize(0) != out.getDimSize(0))
    return emitOpError("weight ") << w << " does not fit input " << in
                                  << " with " << groups << " group(s)";
  for (int i = 0; i < 2; ++i) {
    if (getStride()[i] < 1 || getDilation()[i] < 1 || getPadding()[i] < 0)
      return emitOpError("stride and dilation must be positive");
    int64_t k = getDilation()[i] * (w.getDimSize(2 + i) - 1) + 1;
    int64_t expect =
        (in.getDimSize(1 + i) + 2 * getPadding()[i] - k) / getStride()[i] + 1;
    if (out.getDimSize(1 + i) != expect)
      return emitOpError("result spatial size ")
             << out.getDimSize(1 + i) << " does not match " << expect;
  }
  if (auto b = getBias())
    if (cast<ShapedType>(b->getType()).getNumElements() != out.getDimSize(0))
      return emitOpError("bias needs one value per output channel");
  return success();
}

LogicalResult SumPool2dOp::verify() {
  return checkPool(*this, getKernelSize(), getStride(), getPadding());
}

LogicalResult AvgPool2dOp::verify() {
  return checkPool(*this, getKernelSize(), getStride(), getPadding());
}

LogicalResult SpikeMaxPool2dOp::verify() {
  if (failed(checkPool(*this, getKernelSize(), getStride(), getPadding())))
    return failure();
  // Every window must hold at least one element of the input.
  for (int i = 0; i < 2; ++i)
    if (getPadding()[i] >= getKernelSize()[i])
      return emitOpError("padding must be smaller than kernel_size");
  return success();
}

SmallVector<int64_t> fulcrum::snn::getFlattenedShape(ArrayRef<int64_t> shape,
                                                     int64_t start,
                                                     int64_t end) {
  SmallVector<int64_t> out(shape.take_front(start));
  int64_t n = 1;
  for (int64_t i = start; i <= end; ++i)
    n *= shape[i];
  out.push_back(n);
  llvm::append_range(out, shape.drop_front(end + 1));
  return out;
}

LogicalResult FlattenOp::verify() {
  if (failed(checkStatic(*this)))
    return failure();
  auto in = getInput().getType();
  int64_t rank = in.getRank();
  int64_t start = static_cast<int64_t>(getStartDim());
  int64_t end = static_cast<int64_t>(getEndDim());
  start = start < 0 ? start + rank : start;
  end = end < 0 ? end + rank : end;
  if (start < 0 || end >= rank || start > end)
    return emitOpError("start_dim and end_dim must name dimensions of ")
           << in << " in order";
  if (getResult().getType().getShape() !=
      ArrayRef<int64_t>(getFlattenedShape(in.getShape(), start, end)))
    return emitOpError("result shape does not match the flattened input");
  return success();
}

LogicalResult ScaleOp::verify() {
  if (failed(checkStatic(*this)))
    return failure();
  if (getInput().getType() != getResult().getType())
    return emitOpError("result must have the input's type");
  return checkParam(*this, "scale", getScale(), getResult().getType());
}

LogicalResult DelayOp::verify() {
  if (failed(checkStatic(*this)))
    return failure();
  if (getInput().getType() != getResult().getType())
    return emitOpError("result must have the input's type");
  for (APFloat v : getDelay().getValues<APFloat>())
    if (v.convertToFloat() < 0)
      return emitOpError("'delay' must not be negative");
  return checkParam(*this, "delay", getDelay(), getResult().getType());
}

LogicalResult IFOp::verify() {
  if (failed(checkNeuronInputs(*this, getInputs())) ||
      failed(checkReset(*this, getReset())))
    return failure();
  auto t = getResult().getType();
  if (failed(checkParam(*this, "r", getR(), t)) ||
      failed(checkParam(*this, "v_threshold", getVThreshold(), t)) ||
      failed(checkParam(*this, "v_reset", getVResetAttr(), t)) ||
      failed(checkParam(*this, "v_init", getVInitAttr(), t)))
    return failure();
  return checkPositive(*this, "v_threshold", getVThreshold());
}

LogicalResult LIFOp::verify() {
  if (failed(checkNeuronInputs(*this, getInputs())) ||
      failed(checkReset(*this, getReset())))
    return failure();
  auto t = getResult().getType();
  if (failed(checkParam(*this, "tau", getTau(), t)) ||
      failed(checkParam(*this, "r", getR(), t)) ||
      failed(checkParam(*this, "v_leak", getVLeak(), t)) ||
      failed(checkParam(*this, "v_threshold", getVThreshold(), t)) ||
      failed(checkParam(*this, "v_reset", getVResetAttr(), t)) ||
      failed(checkParam(*this, "v_init", getVInitAttr(), t)))
    return failure();
  if (failed(checkPositive(*this, "tau", getTau())))
    return failure();
  return checkPositive(*this, "v_threshold", getVThreshold());
}
