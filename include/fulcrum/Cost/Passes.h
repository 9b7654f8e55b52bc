//===- Passes.h - The cost model's passes -----------------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_PASSES_H
#define FULCRUM_COST_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace fulcrum::cost {

#define GEN_PASS_DECL
#include "fulcrum/Cost/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fulcrum/Cost/Passes.h.inc"

} // namespace fulcrum::cost

#endif // FULCRUM_COST_PASSES_H
