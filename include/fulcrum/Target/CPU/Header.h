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
/// tensors, before bufferization): the names, dtypes and shapes of inputs
/// and outputs, `<name>_run` over plain pointers (when only the batch
/// dimension is dynamic) with status codes, a C++20 wrapper class, and the
/// descriptor interface (`_mlir_ciface_<name>`) under them. The text
/// depends only on `func`: no paths, dates or host details.
mlir::LogicalResult writeModelHeader(mlir::func::FuncOp func,
                                     llvm::raw_ostream &os);

} // namespace fulcrum

#endif // FULCRUM_TARGET_CPU_HEADER_H
