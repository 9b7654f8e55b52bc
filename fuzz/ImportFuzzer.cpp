//===- ImportFuzzer.cpp - libFuzzer target: the ONNX importer -------------===//
//
// Part of Fulcrum. Imports the input as a binary ModelProto. Linked alone
// (fulcrum-fuzz-import) libFuzzer mutates raw bytes; linked with
// StructureMutator.cpp (fulcrum-fuzz-import-structure) it mutates the
// parsed model. Any crash, sanitizer report, or unbounded allocation
// (libFuzzer's -rss_limit_mb/-malloc_limit_mb) is a finding.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "fulcrum/Import/ONNX/ONNXImporter.h"

#include "llvm/Support/MemoryBuffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx =
      fulcrum::fuzz::context([](mlir::DialectRegistry &) {});
  llvm::MemoryBufferRef buffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx");
  (void)fulcrum::importONNXModel(buffer, &ctx);
  return 0;
}
