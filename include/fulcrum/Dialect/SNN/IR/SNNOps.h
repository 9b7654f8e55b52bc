//===- SNNOps.h - snn dialect operations ------------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_SNN_IR_SNNOPS_H
#define FULCRUM_DIALECT_SNN_IR_SNNOPS_H

#include "fulcrum/Dialect/SNN/IR/SNNDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "fulcrum/Dialect/SNN/IR/SNNOps.h.inc"

namespace fulcrum::snn {

/// The discardable attribute the calibration writes on each onnx.Relu (and
/// on the MaxPool it approximates): the activation percentile that becomes
/// the layer's scale in threshold balancing.
inline constexpr llvm::StringLiteral kActivationScaleAttr =
    "snn.activation_scale";
/// With per-channel calibration, also one scale per channel (dimension 1 of
/// the Relu's result), a `tensor<Cxf32>`; it takes precedence over the
/// layer's scale in the conversion.
inline constexpr llvm::StringLiteral kChannelScalesAttr = "snn.channel_scales";

/// True for the neuron ops (snn.if, snn.lif).
bool isNeuron(mlir::Operation *op);

/// The shape of `shape` with dimensions `start`..`end` (non-negative, in
/// order, inside the rank) flattened into one: snn.flatten's result.
llvm::SmallVector<int64_t> getFlattenedShape(llvm::ArrayRef<int64_t> shape,
                                             int64_t start, int64_t end);

} // namespace fulcrum::snn

#endif // FULCRUM_DIALECT_SNN_IR_SNNOPS_H
