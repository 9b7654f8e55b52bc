//===- Header.h - The C header of a compiled model --------------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_CPU_HEADER_H
#define FULCRUM_TARGET_CPU_HEADER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

namespace fulcrum {

/// Writes a C header for the entry point `func` (in the onnx dialect or on
/// tensors, before bufferization): memref descriptor types, the results
/// struct, the `_mlir_ciface_<name>` prototype, and the names, data types
/// and shapes of inputs and outputs.
mlir::LogicalResult writeModelHeader(mlir::func::FuncOp func,
                                     llvm::raw_ostream &os);

} // namespace fulcrum

#endif // FULCRUM_TARGET_CPU_HEADER_H
