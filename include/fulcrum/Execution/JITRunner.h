//===- JITRunner.h - Compile and run a module in-process --------*- C++ -*-===//
//
// Part of Fulcrum. Takes a module in the onnx dialect (or any later phase),
// runs the remaining phases, JIT-compiles it with MLIR's ExecutionEngine and
// calls the entry point's C interface on host tensors.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_JITRUNNER_H
#define FULCRUM_EXECUTION_JITRUNNER_H

#include "fulcrum/Execution/HostTensor.h"
#include "fulcrum/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace fulcrum {

/// The entry point's signature, as ONNX data types and shapes (dynamic
/// dimensions are -1).
struct TensorSignature {
  std::string name;
  int32_t dataType;
  std::vector<int64_t> shape;
};

class JITRunner {
public:
  ~JITRunner();

  /// Lowers `module` from `phase` to LLVM and JIT-compiles it. Errors are
  /// reported as diagnostics on the module's context and in the result.
  static llvm::Expected<std::unique_ptr<JITRunner>>
  create(mlir::ModuleOp module, CompilePhase phase,
         const PipelineOptions &options = {});

  const std::vector<TensorSignature> &inputs() const { return inputSigs; }
  const std::vector<TensorSignature> &outputs() const { return outputSigs; }

  /// Calls the entry point. Checks the inputs' count, types and static
  /// dimensions against the signature.
  llvm::Expected<std::vector<HostTensor>>
  run(const std::vector<HostTensor> &inputs);

private:
  JITRunner() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string entry;
  std::vector<TensorSignature> inputSigs, outputSigs;
};

/// Runs every `DIR/test_data_set_*` of an ONNX backend test directory
/// (`input_<i>.pb` in, `output_<i>.pb` expected) and compares the outputs.
/// Writes one line per data set (and the first mismatches) to `os`; returns
/// false when a set fails or cannot be read.
bool runTestData(JITRunner &runner, const std::string &dir, double rtol,
                 double atol, llvm::raw_ostream &os);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_JITRUNNER_H
