//===- Passes.h - Graph-level fusion passes ---------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_H
#define FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_H

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/FusionPolicy.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum::fused {

#define GEN_PASS_DECL
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"

/// `fulcrum-fuse-epilogue` deciding with `policy` instead of the default
/// policy (getDefaultFusionPolicy(options.cacheBytes)).
std::unique_ptr<mlir::Pass>
createFuseEpilogue(const FuseEpilogueOptions &options, FusionPolicy policy);

#define GEN_PASS_REGISTRATION
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"

} // namespace fulcrum::fused

#endif // FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_H
