//===- ONNXDialect.h - The onnx dialect and its types ----------*- C++ -*-===//
//
// Part of Fulcrum. The `onnx` dialect: faithful ONNX operators generated from
// libonnx's schemas (see ONNXOps.h) and the sequence, optional and string
// types ONNX needs.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXDIALECT_H
#define FULCRUM_DIALECT_ONNX_IR_ONNXDIALECT_H

#include "mlir/IR/Dialect.h"
#include "mlir/IR/Types.h"

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "fulcrum/Dialect/ONNX/IR/ONNXTypes.h.inc"

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXDIALECT_H
