//===- Passes.h - Fulcrum conversion passes ---------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_CONVERSION_PASSES_H
#define FULCRUM_CONVERSION_PASSES_H

#include "fulcrum/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum {

#define GEN_PASS_DECL
#include "fulcrum/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Conversion/Passes.h.inc"

} // namespace fulcrum

#endif // FULCRUM_CONVERSION_PASSES_H
