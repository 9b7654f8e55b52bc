//===- ImportBench.cpp - Time and peak memory of the ONNX importer --------===//
//
// Part of Fulcrum (benchmark). Imports a model through the library API
// (fulcrum::importONNXFile) and prints the wall time and the process's peak
// resident memory, without printing the module:
//
//   fulcrum-import-bench model.onnx
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <sys/resource.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: fulcrum-import-bench MODEL.onnx\n";
    return 2;
  }
  mlir::MLIRContext context;
  auto start = std::chrono::steady_clock::now();
  auto module = fulcrum::importONNXFile(argv[1], &context);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (!module)
    return 1;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  llvm::outs() << llvm::format("%.3f %ld\n", seconds, usage.ru_maxrss);
  return 0;
}
