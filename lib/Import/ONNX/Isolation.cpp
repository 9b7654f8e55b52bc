//===- Isolation.cpp - Run libonnx's graph passes in a child process ------===//
//
// Part of Fulcrum. libonnx 1.12's shape inference and version converter
// dereference out of bounds on some malformed models instead of throwing
// (Conv with input and weight ranks that differ, LayerNormalization with an
// axis beyond 32 bits, graph outputs that no node produces, ...). They run
// in a forked child (runInChild): the parent gets the model back, or the
// exception's message, or the signal that ended the child, and never
// crashes itself.
// Large weights are detached first (the passes need shapes, and small
// constants for data propagation), so the pipe carries the graph only.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "fulcrum/Support/ChildProcess.h"

#include <climits>

namespace fulcrum::detail {

namespace {
/// libonnx's inference loops for minutes on some malformed models (Expand
/// to a shape of 2^40 elements adds 2^40 dimensions): a generous time and
/// 2 GiB of memory plus 16 times the graph's size bound it.
constexpr unsigned kTimeoutSeconds = 30;
constexpr uint64_t kMemoryBytes = uint64_t(2) << 30;
} // namespace

mlir::LogicalResult
runIsolated(::onnx::ModelProto &model,
            llvm::function_ref<void(::onnx::ModelProto &)> work,
            std::string &message) {
  llvm::Expected<std::string> bytes = runInChild(
      [&]() -> llvm::Expected<std::string> {
        try {
          work(model);
          return model.SerializeAsString();
        } catch (const std::exception &e) {
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         e.what());
        }
      },
      "libonnx", "model", kTimeoutSeconds,
      kMemoryBytes + 16 * static_cast<uint64_t>(model.ByteSizeLong()));
  if (!bytes) {
    message = llvm::toString(bytes.takeError());
    if (llvm::StringRef(message).starts_with("libonnx crashed") ||
        llvm::StringRef(message).starts_with("libonnx needed"))
      message += "; it is malformed in a way libonnx does not check";
    return mlir::failure();
  }
  ::onnx::ModelProto result;
  if (bytes->size() > INT_MAX ||
      !result.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) {
    message = "libonnx's child process returned a corrupted model";
    return mlir::failure();
  }
  model.Swap(&result);
  return mlir::success();
}

} // namespace fulcrum::detail
