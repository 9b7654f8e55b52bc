//===- ImporterInternal.h - Pieces of the ONNX importer ---------*- C++ -*-===//
//
// Part of Fulcrum. Private to lib/Import/ONNX: the model loader (parse,
// check, upgrade, infer shapes) and the tensor/type conversions used by the
// graph importer.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H
#define FULCRUM_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H

#include "fulcrum/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace fulcrum::detail {

/// Where the importer reports errors: the model file, for located
/// diagnostics.
struct ImportContext {
  mlir::MLIRContext *context;
  std::string path;     // the model file as named by the user
  std::string modelDir; // directory of external data files
  mlir::Location fileLoc;
  /// Where external-data files read are recorded (may be null).
  std::vector<std::string> *externalDataFiles = nullptr;

  /// An error located at the model file (whose name the location carries).
  mlir::InFlightDiagnostic emitError() const {
    return mlir::emitError(fileLoc);
  }
};

/// The name diagnostics use for a node: its own, or `<op_type>_<index>`
/// when it has none.
inline std::string nodeName(const ::onnx::NodeProto &node, size_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

/// The training domain, of which the importer accepts the optimizers
/// (`isImportedTrainingOp`) as `onnx.<Name>`.
inline constexpr const char *kTrainingDomain = "ai.onnx.preview.training";

/// Whether `opType` of the training domain is imported: Adagrad, Adam and
/// Momentum (not Gradient, which needs the graph it differentiates).
inline bool isImportedTrainingOp(const std::string &opType) {
  return opType == "Adagrad" || opType == "Adam" || opType == "Momentum";
}

/// Where a model comes from: a buffer, or (when there is none) the file
/// `ImportContext::path`.
struct ModelSource {
  std::optional<llvm::MemoryBufferRef> buffer;
};

/// Parses, checks, upgrades and shape-infers the model of `source` into
/// `model`, upgrading it with the version converter if `allowConversion`
/// and some operator changed since its opset. On success, `convertedFrom` is
/// the opset the version converter upgraded the model from, or -1 when it was
/// not used.
mlir::LogicalResult loadModel(const ImportContext &ctx,
                              const ModelSource &source,
                              const ONNXImportOptions &options,
                              bool allowConversion, ::onnx::ModelProto &model,
                              int64_t &convertedFrom);

/// The MLIR type of an ONNX type, or null (after an error naming `what`).
mlir::Type convertType(const ImportContext &ctx, const ::onnx::TypeProto &type,
                       llvm::StringRef what);

/// Converts a tensor to an elements attribute. Large tensors become
/// `dense_resource` blobs; `raw_data` is moved out of `tensor`, not copied.
/// `forceResource` makes even small tensors blobs (initializers).
mlir::ElementsAttr convertTensor(const ImportContext &ctx,
                                 ::onnx::TensorProto &tensor,
                                 bool forceResource, llvm::StringRef what);

/// Converts a sparse tensor to a SparseElementsAttr.
mlir::ElementsAttr convertSparseTensor(const ImportContext &ctx,
                                       ::onnx::SparseTensorProto &tensor,
                                       llvm::StringRef what);

/// Resource limits (Limits.cpp), checked before anything sized by the
/// model is allocated: the rank and element count of any tensor or value
/// type, and how deep subgraphs (and sequence/optional types) nest.
inline constexpr size_t kMaxRank = 32;
inline constexpr int64_t kMaxElements = int64_t(1) << 40;
inline constexpr int kMaxSubgraphDepth = 24;

/// The number of elements of `shape`, or none if a dimension is negative or
/// the product overflows 64 bits.
std::optional<uint64_t> checkedElementCount(llvm::ArrayRef<int64_t> shape);

/// Checks a shape (-1: dynamic) against the limits; errors name `what`.
mlir::LogicalResult checkShapeLimits(const ImportContext &ctx,
                                     llvm::ArrayRef<int64_t> shape,
                                     llvm::StringRef what);

/// Checks every tensor, value type and subgraph of `model` against the
/// limits.
mlir::LogicalResult checkModelLimits(const ImportContext &ctx,
                                     const ::onnx::ModelProto &model);

/// Runs `work` (libonnx's shape inference or version converter) on `model`
/// in a child process, since libonnx crashes on some malformed models:
/// `model` becomes what `work` made of it, or on failure `message` says
/// why (an exception's message, or the signal that ended the child).
mlir::LogicalResult
runIsolated(::onnx::ModelProto &model,
            llvm::function_ref<void(::onnx::ModelProto &)> work,
            std::string &message);

/// Bounds the brace nesting of a model in ONNX's textual syntax before the
/// (recursive) parser reads it.
mlir::LogicalResult checkTextNesting(const ImportContext &ctx,
                                     llvm::StringRef text);

} // namespace fulcrum::detail

#endif // FULCRUM_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H
