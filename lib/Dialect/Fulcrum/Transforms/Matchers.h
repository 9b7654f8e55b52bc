//===- Matchers.h - Helpers of the graph-level fusion passes ----*- C++ -*-===//
//
// Part of Fulcrum. Private to lib/Dialect/Fulcrum/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_DIALECT_FULCRUM_TRANSFORMS_MATCHERS_H
#define FULCRUM_LIB_DIALECT_FULCRUM_TRANSFORMS_MATCHERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace fulcrum::fused {

/// Whether `v` is a ranked f32 tensor.
bool isF32Tensor(mlir::Value v);

/// The one value of all elements of the float constant `v`.
std::optional<double> getSplat(mlir::Value v);

/// Whether `v` is a float constant whose elements all equal `expected` to
/// a relative 1e-4.
bool isSplatNear(mlir::Value v, double expected);

/// The operand of the two-operand `op` that is not `known`; null when
/// `known` is not an operand (or is both).
mlir::Value getOtherOperand(mlir::Operation *op, mlir::Value known);

/// `v`'s defining op when it is an `OpT` whose result has one use.
template <typename OpT> OpT getSingleUseProducer(mlir::Value v) {
  auto op = v.getDefiningOp<OpT>();
  if (!op || !v.hasOneUse())
    return nullptr;
  return op;
}

/// An `onnx.Constant` of f32 `type` holding `values`.
mlir::Value createF32Constant(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType type,
                              llvm::ArrayRef<float> values);

/// Erases the operations of `ops` that have no uses left, until none
/// does (a pattern's intermediates once its root is replaced).
void eraseDeadOps(llvm::ArrayRef<mlir::Operation *> ops);

/// The size in bytes of a statically shaped tensor `type`; -1 otherwise.
int64_t getStaticBytes(mlir::Type type);

} // namespace fulcrum::fused

#endif // FULCRUM_LIB_DIALECT_FULCRUM_TRANSFORMS_MATCHERS_H
