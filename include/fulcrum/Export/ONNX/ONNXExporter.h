//===- ONNXExporter.h - onnx-dialect MLIR to an ONNX model ------*- C++ -*-===//
//
// Part of Fulcrum. The library entry point of the ONNX exporter, used by
// `fulcrum-translate --export-onnx`, `fulcrum-compile --emit-onnx` and the
// graph-phase transforms (quantization, pruning) that hand their result to
// other runtimes.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXPORT_ONNX_ONNXEXPORTER_H
#define FULCRUM_EXPORT_ONNX_ONNXEXPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <optional>
#include <string>

namespace fulcrum {

struct ONNXExportOptions {
  /// The function that becomes the main graph; empty: `main_graph`, or the
  /// module's only function.
  std::string functionName;
  /// Run libonnx's checker on the model before writing it.
  bool check = true;
};

/// The ONNX node name of an operation at `loc`: the importer's NameLoc
/// (also inside fused and call-site locations), or nothing.
std::optional<llvm::StringRef> getNodeName(mlir::Location loc);

/// Writes the function of `module` (an `onnx`-dialect module at the import
/// or graph phase, before graph-level fusion) as a binary ONNX ModelProto:
/// the opset imports the operators' versions need, graph inputs and outputs
/// with their `onnx.name`s and shapes (dynamic dimensions as symbolic
/// `dim_param`s), `onnx.Constant` values of the main graph as initializers,
/// every other operation as a node with its attributes, regions as
/// subgraphs. Operations without an ONNX form (other dialects, fused
/// `fulcrum` ops) are reported as errors on their location, naming them;
/// nothing is written then.
mlir::LogicalResult exportONNX(mlir::ModuleOp module, llvm::raw_ostream &os,
                               const ONNXExportOptions &options = {});

/// exportONNX into the file `path` (written only on success).
mlir::LogicalResult exportONNXFile(mlir::ModuleOp module, llvm::StringRef path,
                                   const ONNXExportOptions &options = {});

/// Registers the `--export-onnx` translation (fulcrum-translate);
/// `registerDialects` adds the dialects its input may hold (the onnx and
/// func dialects are always registered).
void registerExportONNXTranslation(
    std::function<void(mlir::DialectRegistry &)> registerDialects = {});

} // namespace fulcrum

#endif // FULCRUM_EXPORT_ONNX_ONNXEXPORTER_H
