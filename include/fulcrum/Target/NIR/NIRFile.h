//===- NIRFile.h - NIR (HDF5) export and import -----------------*- C++ -*-===//
//
// Part of Fulcrum. Writes and reads the HDF5 layout of NIR, the
// Neuromorphic Intermediate Representation (github.com/neuromorphs/NIR,
// nir/serialization.py): a root `version` string dataset; a group `node`
// with `type` = "NIRGraph", a group `nodes` holding one group per node
// (its `type` string and parameter datasets named as NIR names them:
// `weight`, `bias`, `tau`, `r`, `v_leak`, `v_threshold`, `v_reset`,
// `stride`, `padding`, ...), and `edges`, an N x 2 dataset of strings
// (source, target). Files are written in memory with deterministic
// contents (no timestamps), so identical networks give identical bytes.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_NIR_NIRFILE_H
#define FULCRUM_TARGET_NIR_NIRFILE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace fulcrum::snn {

/// The NIR version written to the root `version` dataset.
inline constexpr const char *kNIRVersion = "1.0";

/// The NIR file bytes of the `snn` function `func`.
llvm::Expected<std::vector<char>> exportNIR(mlir::func::FuncOp func);

/// A module with one `snn` function `@name` built from NIR file bytes.
/// Errors say what is malformed (never a crash): libhdf5 reads the file in
/// a child process (readNIRGraph), and importNIRGraph builds the module.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importNIR(llvm::ArrayRef<char> bytes, mlir::MLIRContext *context,
          llvm::StringRef name = "main_graph");

/// The first half of importNIR, in this process: every dataset of the NIR
/// file's graph read with libhdf5 (which may crash on a malformed file),
/// in a serialized form that importNIRGraph takes.
llvm::Expected<std::string> readNIRGraph(llvm::ArrayRef<char> bytes);

/// The second half of importNIR: the module built from readNIRGraph's
/// bytes, which are checked as untrusted input (fulcrum-fuzz-nir-graph
/// fuzzes this).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importNIRGraph(llvm::ArrayRef<char> graph, mlir::MLIRContext *context,
               llvm::StringRef name = "main_graph");

/// Registers `--import-nir` and `--export-nir` with mlir-translate.
void registerNIRTranslations();

} // namespace fulcrum::snn

#endif // FULCRUM_TARGET_NIR_NIRFILE_H
