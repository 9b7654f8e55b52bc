//===- CompileFuzzer.cpp - libFuzzer target: import to linalg and LLVM IR -===//
//
// Part of Fulcrum. Imports the input as a model, then runs the driver's
// phases to linalg and on to LLVM IR (no object code, and LLVM's
// optimizer at -O0: LLVM is not Fulcrum's to fuzz, and its -O3 pipeline
// over the linked kernels took most of each execution). Inputs over 64 KiB
// are skipped so that each execution stays short.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "fulcrum/Driver/Driver.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536)
    return 0;
  mlir::MLIRContext &ctx =
      fulcrum::fuzz::context(fulcrum::registerDriverDialects);
  fulcrum::CompileOptions options;
  options.applyPassManagerCLOptions = false;
  options.targetOptions.optLevel = 0;
  fulcrum::CompileSession session(ctx, options, /*printDiagnostics=*/false);
  llvm::MemoryBufferRef buffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx");
  auto module = fulcrum::importONNXModel(buffer, &ctx, options.import);
  if (!module || mlir::failed(session.setModule(std::move(module))) ||
      mlir::failed(session.runTo(fulcrum::CompilePhase::Linalg)))
    return 0;
  llvm::consumeError(
      session.writeArtifact("/dev/null", fulcrum::ArtifactKind::LLVMIR));
  return 0;
}
