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
#include "llvm/ADT/SmallVector.h"

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

/// Tags of the linalg.generic ops a quantized contraction lowers to: the
/// integer contraction (a dictionary: kind "conv" or "gemm", x_signed,
/// x_zero_point, and for convolutions strides and dilations) and the
/// requantization after it (mode "bytes", "f32" or "i32", y_zero_point,
/// lo, hi). Targets with kernels for them match the pair by these.
inline constexpr llvm::StringLiteral kQContractionAttr = "fulcrum.qcontraction";
inline constexpr llvm::StringLiteral kRequantizeAttr = "fulcrum.requantize";

/// What a quantized contraction (fulcrum.qconv, fulcrum.qgemm) writes, as
/// its lowerings implement it (see the ops' descriptions).
struct Requantization {
  enum class Mode { Bytes, F32, I32 } mode = Mode::Bytes;
  /// Per output channel: acc -> (bytes) roundeven(acc * m) + zero point, or
  /// (f32) acc * m.
  llvm::SmallVector<float> multipliers;
  int64_t zeroPoint = 0;
  /// Bytes: the output's integer bounds after the activation.
  int64_t lo = 0, hi = 0;
  /// Whether the output bytes are signed (i8).
  bool signedOutput = false;
};

/// The requantization of a fulcrum.qconv or fulcrum.qgemm with `channels`
/// output channels.
Requantization getRequantization(mlir::Operation *op, int64_t channels);

} // namespace fulcrum::fused

#define GET_OP_CLASSES
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h.inc"

#endif // FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_H
