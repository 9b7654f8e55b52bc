//===- ONNXTraits.h - Per-operator facts of the onnx dialect ----*- C++ -*-===//
//
// Part of Fulcrum. The C++ side of the ONNX_Fact traits of ONNXBase.td:
// markers that the generator attaches to operators (from
// utils/onnx-dialect-gen/op-traits.txt), so that passes ask
// `op->hasTrait<trait::Reduction>()` instead of keeping lists of names.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXTRAITS_H
#define FULCRUM_DIALECT_ONNX_IR_ONNXTRAITS_H

#include "mlir/IR/OpDefinition.h"

namespace fulcrum::onnx::trait {

/// One tensor operand; each result element depends only on the operand
/// element at the same position.
template <typename ConcreteType>
class ElementwiseUnary
    : public mlir::OpTrait::TraitBase<ConcreteType, ElementwiseUnary> {};

/// Several operands that broadcast numpy-style; each result element depends
/// only on the operand elements at the same (broadcast) position.
template <typename ConcreteType>
class ElementwiseBroadcast
    : public mlir::OpTrait::TraitBase<ConcreteType, ElementwiseBroadcast> {};

/// Combines the elements of its input along some axes.
template <typename ConcreteType>
class Reduction : public mlir::OpTrait::TraitBase<ConcreteType, Reduction> {};

/// Sums products of two operands over shared dimensions.
template <typename ConcreteType>
class Contraction : public mlir::OpTrait::TraitBase<ConcreteType, Contraction> {
};

/// The operands after the first are parameters (filters, biases, scales),
/// usually constants, rather than data.
template <typename ConcreteType>
class Weights : public mlir::OpTrait::TraitBase<ConcreteType, Weights> {};

} // namespace fulcrum::onnx::trait

namespace fulcrum::onnx {

/// Whether `op` is element-wise (unary or broadcasting).
inline bool isElementwise(mlir::Operation *op) {
  return op->hasTrait<trait::ElementwiseUnary>() ||
         op->hasTrait<trait::ElementwiseBroadcast>();
}

/// Whether operand `index` of `op` is a weight (see trait::Weights).
inline bool isWeightOperand(mlir::Operation *op, unsigned index) {
  return index > 0 && op->hasTrait<trait::Weights>();
}

} // namespace fulcrum::onnx

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXTRAITS_H
