//===- Passes.h - Fulcrum's target-independent transforms -------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TRANSFORMS_PASSES_H
#define FULCRUM_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum {

#define GEN_PASS_DECL
#include "fulcrum/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Transforms/Passes.h.inc"

} // namespace fulcrum

#endif // FULCRUM_TRANSFORMS_PASSES_H
