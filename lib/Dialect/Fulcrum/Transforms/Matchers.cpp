//===- Matchers.cpp - Helpers of the graph-level fusion passes ------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>

using namespace mlir;

namespace fulcrum::fused {

bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

std::optional<double> getSplat(Value v) {
  return onnx::getConstantSplatFloat(v);
}

bool isSplatNear(Value v, double expected) {
  std::optional<double> s = getSplat(v);
  return s && std::abs(*s - expected) <= 1e-4 * std::abs(expected);
}

Value getOtherOperand(Operation *op, Value known) {
  if (op->getNumOperands() != 2)
    return {};
  Value a = op->getOperand(0), b = op->getOperand(1);
  if (a == known && b != known)
    return b;
  if (b == known && a != known)
    return a;
  return {};
}

Value createF32Constant(OpBuilder &b, Location loc, RankedTensorType type,
                        ArrayRef<float> values) {
  return b
      .create<onnx::ConstantOp>(
          loc, TypeRange{type}, ValueRange{},
          b.getNamedAttr("value", DenseElementsAttr::get(type, values)))
      .getResult();
}

void eraseDeadOps(ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Operation *, 16> seen;
  SmallVector<Operation *> live;
  for (Operation *op : ops)
    if (seen.insert(op).second)
      live.push_back(op);
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation *&op : live) {
      if (op && op->use_empty()) {
        op->erase();
        op = nullptr;
        changed = true;
      }
    }
  }
}

int64_t getStaticBytes(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape() || !t.getElementType().isIntOrFloat())
    return -1;
  return t.getNumElements() *
         ((t.getElementType().getIntOrFloatBitWidth() + 7) / 8);
}

} // namespace fulcrum::fused
