//===- FulcrumOps.h - fulcrum dialect operations ----------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_H
#define FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_H

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace fulcrum::fused {

/// The epilogue activations of the fused contractions.
enum class Activation {
  None,
  Relu,
  Clip,
  Sigmoid,
  HardSwish,
  Gelu,
  GeluTanh,
  Silu
};

/// Parses an `activation` attribute's value (`none`, `relu`, ...).
std::optional<Activation> parseActivation(llvm::StringRef name);
/// The attribute spelling of `activation`.
llvm::StringRef stringifyActivation(Activation activation);

/// The names of the annotation attributes (discardable, on any op).
inline constexpr llvm::StringLiteral kPrecisionAttr = "fulcrum.precision";
inline constexpr llvm::StringLiteral kPruningRatioAttr =
    "fulcrum.pruning_ratio";

} // namespace fulcrum::fused

#define GET_OP_CLASSES
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h.inc"

#endif // FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_H
