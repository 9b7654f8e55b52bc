//===- ModelRunner.h - Run a compiled model on host tensors -----*- C++ -*-===//
//
// Part of Fulcrum. Calls a compiled model's entry point on host tensors.
// Every CPU artifact exports the same two symbols, whether it was loaded
// from a shared library written by fulcrum-compile or JIT-linked by the CPU
// target (fulcrum/Target/CPU/CPUTarget.h) from the very object file
// fulcrum-compile would write: `fulcrum_signature_<entry>` (how to call it,
// fulcrum/Execution/Signature.h) and `fulcrum_invoke_<entry>` (the packed
// entry point). So both paths run identical machine code.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_MODELRUNNER_H
#define FULCRUM_EXECUTION_MODELRUNNER_H

#include "fulcrum/Execution/HostTensor.h"
#include "fulcrum/Execution/Signature.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace fulcrum {

/// The packed entry point: args[i] points to the i-th argument of
/// `_mlir_ciface_<entry>` (a pointer to the results struct first when there
/// are results).
using PackedEntryPoint = void (*)(void **args);

/// Keeps the code of a runner alive (a JIT session, a loaded library).
class CodeOwner {
public:
  virtual ~CodeOwner();
};

class ModelRunner;

/// One call of the entry point with its memref descriptors set up, so that
/// `invoke` does nothing but call the model (what `--bench` times). The
/// inputs given to ModelRunner::prepare must outlive it.
class PreparedCall {
public:
  PreparedCall(PreparedCall &&) = default;
  PreparedCall &operator=(PreparedCall &&) = default;
  ~PreparedCall();

  /// Calls the model. Results of an earlier invoke that were not taken are
  /// freed first.
  void invoke();
  /// Copies the results of the last invoke into host tensors and frees the
  /// model's buffers.
  std::vector<HostTensor> takeResults();
  /// Frees the model's result buffers of the last invoke.
  void freeResults();

private:
  friend class ModelRunner;
  PreparedCall() = default;
  const ModelRunner *runner = nullptr;
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<int64_t> results;
  void *resultPtr = nullptr;
  std::vector<void *> descriptorPtrs;
  std::vector<void *> args;
  bool haveResults = false;
};

class ModelRunner {
public:
  ~ModelRunner();

  /// A runner over an entry point; `owner` keeps its code alive.
  ModelRunner(EntrySignature signature, PackedEntryPoint invoke,
              std::unique_ptr<CodeOwner> owner);

  /// Finds `fulcrum_signature_<entry>` and `fulcrum_invoke_<entry>` through
  /// `lookup` (null when a symbol is missing); `what` names the code in
  /// errors.
  static llvm::Expected<std::unique_ptr<ModelRunner>>
  createFromSymbols(llvm::function_ref<void *(llvm::StringRef)> lookup,
                    llvm::StringRef entry, llvm::StringRef what,
                    std::unique_ptr<CodeOwner> owner);

  /// Loads a shared library written by fulcrum-compile and finds its entry
  /// point `entry`.
  static llvm::Expected<std::unique_ptr<ModelRunner>>
  loadLibrary(const std::string &path, const std::string &entry);

  const std::vector<TensorSignature> &inputs() const {
    return signature.inputs;
  }
  const std::vector<TensorSignature> &outputs() const {
    return signature.outputs;
  }

  /// Checks the inputs' count, types and static dimensions against the
  /// signature and sets up a call on them.
  llvm::Expected<PreparedCall>
  prepare(const std::vector<HostTensor> &inputs) const;

  /// Calls the entry point once: prepare, invoke, take the results.
  llvm::Expected<std::vector<HostTensor>>
  run(const std::vector<HostTensor> &inputs);

private:
  friend class PreparedCall;
  EntrySignature signature;
  PackedEntryPoint invokeFn = nullptr;
  std::unique_ptr<CodeOwner> owner;
};

/// Runs every `DIR/test_data_set_*` of an ONNX backend test directory
/// (`input_<i>.pb` in, `output_<i>.pb` expected) and compares the outputs.
/// Writes one line per data set (and the first mismatches) to `os`; returns
/// false when a set fails or cannot be read.
bool runTestData(ModelRunner &runner, const std::string &dir, double rtol,
                 double atol, llvm::raw_ostream &os);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_MODELRUNNER_H
