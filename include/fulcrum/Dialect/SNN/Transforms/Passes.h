//===- Passes.h - ANN-to-SNN conversion passes ------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_H
#define FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_H

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/SNN/IR/SNNDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum::snn {

#define GEN_PASS_DECL
#include "fulcrum/Dialect/SNN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Dialect/SNN/Transforms/Passes.h.inc"

} // namespace fulcrum::snn

#endif // FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_H
