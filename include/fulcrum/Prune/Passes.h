//===- Passes.h - Structured pruning passes ---------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PRUNE_PASSES_H
#define FULCRUM_PRUNE_PASSES_H

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum::prune {

#define GEN_PASS_DECL
#include "fulcrum/Prune/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Prune/Passes.h.inc"

} // namespace fulcrum::prune

#endif // FULCRUM_PRUNE_PASSES_H
