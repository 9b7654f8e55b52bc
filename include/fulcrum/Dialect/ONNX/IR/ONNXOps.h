//===- ONNXOps.h - onnx dialect operations ---------------------*- C++ -*-===//
//
// Part of Fulcrum. Declares every generated ONNX operation (one class per
// operator version: ConvOp, ConvV1Op, ...) and the shape-inference
// interface. This header is large; include it only where ops are used by
// class, and prefer ONNXDialect.h elsewhere.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXOPS_H
#define FULCRUM_DIALECT_ONNX_IR_ONNXOPS_H

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXTraits.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fulcrum::onnx {
/// Checks that the declared result types of `op` are compatible with the
/// types its ShapeInferenceOpInterface infers (same element type, same rank
/// where both are ranked, equal static dimensions).
mlir::LogicalResult verifyInferredResultTypes(mlir::Operation *op);
} // namespace fulcrum::onnx

#include "fulcrum/Dialect/ONNX/IR/ONNXInterfaces.h.inc"

#define GET_OP_CLASSES
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h.inc"

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXOPS_H
