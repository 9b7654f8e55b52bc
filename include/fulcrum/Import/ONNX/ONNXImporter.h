//===- ONNXImporter.h - ONNX model to onnx-dialect MLIR ---------*- C++ -*-===//
//
// Part of Fulcrum. The library entry point of the ONNX importer, used by
// `fulcrum-translate --import-onnx` and by the compiler driver.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_IMPORT_ONNX_ONNXIMPORTER_H
#define FULCRUM_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <functional>
#include <string>
#include <vector>

namespace fulcrum {

/// The opset of the default ONNX domain that `onnx.<Name>` operations
/// implement (the generated dialect's newest opset).
constexpr int64_t kMaxOpset = 17;

struct ONNXImportOptions {
  /// Opset of the default domain that models are upgraded to with libonnx's
  /// version converter. Operators the converter cannot upgrade are imported
  /// at their own version (`onnx.<Name>V<version>`). At most kMaxOpset.
  int64_t targetOpset = kMaxOpset;
  /// Run libonnx's type and shape inference before importing, so that every
  /// value gets the most precise type ONNX can tell.
  bool shapeInference = true;
  /// Name of the function that holds the main graph.
  std::string functionName = "main_graph";
  /// When set, receives the paths of the external-data files the import
  /// read (as found next to the model), for build-system depfiles.
  std::vector<std::string> *externalDataFiles = nullptr;
};

/// Imports an ONNX model held in `buffer` (a binary ModelProto, or ONNX's
/// textual syntax when the buffer's name ends in `.onnxtxt`). External data
/// files are looked up next to the buffer's name. Errors are reported as
/// diagnostics on `context` that name the file, the node and the reason;
/// returns null on error. The result verifies.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXModel(llvm::MemoryBufferRef buffer, mlir::MLIRContext *context,
                const ONNXImportOptions &options = {});

/// Reads `path` and imports it; reports a missing or unreadable file as an
/// error.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ONNXImportOptions &options = {});

/// Registers the `--import-onnx` translation (fulcrum-translate);
/// `getOptions`, called per import, supplies the tool's options.
void registerImportONNXTranslation(
    std::function<ONNXImportOptions()> getOptions = {});

} // namespace fulcrum

#endif // FULCRUM_IMPORT_ONNX_ONNXIMPORTER_H
