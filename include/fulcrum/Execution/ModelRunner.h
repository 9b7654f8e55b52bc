//===- ModelRunner.h - Run a compiled model on host tensors -----*- C++ -*-===//
//
// Part of Fulcrum. Calls a model's entry point on host tensors: either a
// module in the onnx dialect (or any later phase) that it lowers and
// JIT-compiles with MLIR's ExecutionEngine, or a shared library written by
// fulcrum-compile, whose embedded signature says how to call it.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_MODELRUNNER_H
#define FULCRUM_EXECUTION_MODELRUNNER_H

#include "fulcrum/Execution/HostTensor.h"
#include "fulcrum/Execution/Signature.h"
#include "fulcrum/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace fulcrum {

class ModelRunner {
public:
  ~ModelRunner();

  /// Lowers `module` from `phase` to LLVM and JIT-compiles it. Errors are
  /// reported as diagnostics on the module's context and in the result.
  static llvm::Expected<std::unique_ptr<ModelRunner>>
  create(mlir::ModuleOp module, CompilePhase phase,
         const PipelineOptions &options = {});

  /// Loads a shared library written by fulcrum-compile and finds its entry
  /// point `entry` (`fulcrum_invoke_<entry>`, described by
  /// `fulcrum_signature_<entry>`).
  static llvm::Expected<std::unique_ptr<ModelRunner>>
  loadLibrary(const std::string &path, const std::string &entry);

  const std::vector<TensorSignature> &inputs() const {
    return signature.inputs;
  }
  const std::vector<TensorSignature> &outputs() const {
    return signature.outputs;
  }

  /// Calls the entry point. Checks the inputs' count, types and static
  /// dimensions against the signature.
  llvm::Expected<std::vector<HostTensor>>
  run(const std::vector<HostTensor> &inputs);

private:
  ModelRunner() = default;
  /// Owns the JIT-compiled code (null for a loaded library).
  std::unique_ptr<mlir::ExecutionEngine> engine;
  /// The entry point's packed interface: args[i] points to the i-th
  /// argument of _mlir_ciface_<entry> (the results pointer first).
  void (*invoke)(void **args) = nullptr;
  EntrySignature signature;
};

/// Runs every `DIR/test_data_set_*` of an ONNX backend test directory
/// (`input_<i>.pb` in, `output_<i>.pb` expected) and compares the outputs.
/// Writes one line per data set (and the first mismatches) to `os`; returns
/// false when a set fails or cannot be read.
bool runTestData(ModelRunner &runner, const std::string &dir, double rtol,
                 double atol, llvm::raw_ostream &os);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_MODELRUNNER_H
