//===- Passes.h - onnx dialect passes ---------------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_H
#define FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_H

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum::onnx {

#define GEN_PASS_DECL
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"

/// Adds the rewrites of `fulcrum-onnx-decompose`: SoftmaxCrossEntropyLoss
/// always, QLinearMatMul and MatMulInteger when `quantized` is set.
void populateONNXDecomposePatterns(mlir::RewritePatternSet &patterns,
                                   bool quantized = true);

/// The upgrades of superseded operator versions to current ones with the
/// same meaning (part of `fulcrum-onnx-decompose`), and whether `op` is a
/// superseded version (onnx.<Name>V<version>).
void populateLegacyVersionPatterns(mlir::RewritePatternSet &patterns);
bool isLegacyVersion(mlir::Operation *op);

#define GEN_PASS_REGISTRATION
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"

} // namespace fulcrum::onnx

#endif // FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_H
