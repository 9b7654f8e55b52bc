//===- Passes.h - GPU target passes -----------------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_GPU_PASSES_H
#define FULCRUM_TARGET_GPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum {

#define GEN_PASS_DECL
#include "fulcrum/Target/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Target/GPU/Passes.h.inc"

} // namespace fulcrum

#endif // FULCRUM_TARGET_GPU_PASSES_H
