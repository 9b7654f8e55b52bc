//===- Signature.h - An entry point's inputs and outputs --------*- C++ -*-===//
//
// Part of Fulcrum. The names, ONNX data types and shapes of a model's inputs
// and outputs: read from the entry point before lowering (while it still
// carries ONNX element types and names), embedded by fulcrum-compile in the
// artifacts it writes (as the `fulcrum_signature_<entry>` string), and read
// back by fulcrum-run to call a compiled library.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_SIGNATURE_H
#define FULCRUM_EXECUTION_SIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum {

/// One input or output: ONNX data type and shape (dynamic dimensions are -1).
struct TensorSignature {
  std::string name;
  int32_t dataType;
  std::vector<int64_t> shape;
};

struct EntrySignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// The signature of an entry point whose arguments and results are ranked
/// tensors of ONNX element types (named by their `onnx.name` attributes).
llvm::Expected<EntrySignature> getEntrySignature(mlir::func::FuncOp func);

/// A line per tensor: `input|output <data type> <dims, comma-separated, -1
/// dynamic, - for rank 0> <name>`.
std::string printSignature(const EntrySignature &signature);
llvm::Expected<EntrySignature> parseSignature(llvm::StringRef text);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_SIGNATURE_H
