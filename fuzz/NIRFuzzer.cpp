//===- NIRFuzzer.cpp - libFuzzer targets: the NIR reader ------------------===//
//
// Part of Fulcrum. Two targets from one file:
//
//  - fulcrum-fuzz-nir: the input is a NIR (HDF5) file, imported whole with
//    importNIR, libhdf5 in its child process included; a crash of
//    libhdf5 must come back as an error.
//  - fulcrum-fuzz-nir-graph (FULCRUM_NIR_GRAPH): the input is the child's
//    answer (readNIRGraph's serialized graph), built into snn ops in this
//    process: the checks of every count, shape, window and parameter.
//
// Seeds are NIR files; fuzz/run.sh turns them into graphs for the second
// target by running it with FULCRUM_NIR_TO_GRAPH=IN:OUT.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"
#include "fulcrum/Target/NIR/NIRFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

static void registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<fulcrum::snn::SNNDialect, mlir::func::FuncDialect>();
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // FULCRUM_NIR_TO_GRAPH=IN:OUT writes the graph of NIR file IN to OUT
  // and exits (fuzz/run.sh makes the graph target's seeds this way).
  const char *convert = std::getenv("FULCRUM_NIR_TO_GRAPH");
  if (!convert)
    return 0;
  llvm::StringRef spec(convert);
  auto [in, out] = spec.split(':');
  auto buffer = llvm::MemoryBuffer::getFile(in);
  if (!buffer) {
    llvm::errs() << in << ": error: cannot read the file\n";
    std::exit(1);
  }
  auto graph = fulcrum::snn::readNIRGraph(llvm::ArrayRef<char>(
      (*buffer)->getBufferStart(), (*buffer)->getBufferSize()));
  if (!graph) {
    llvm::errs() << in << ": error: " << llvm::toString(graph.takeError())
                 << "\n";
    std::exit(1);
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(out, ec);
  if (ec) {
    llvm::errs() << out << ": error: " << ec.message() << "\n";
    std::exit(1);
  }
  os << *graph;
  os.close();
  std::exit(os.has_error() ? 1 : 0);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx = fulcrum::fuzz::context(registerDialects);
  llvm::ArrayRef<char> bytes(reinterpret_cast<const char *>(data), size);
#ifdef FULCRUM_NIR_GRAPH
  auto module = fulcrum::snn::importNIRGraph(bytes, &ctx);
#else
  auto module = fulcrum::snn::importNIR(bytes, &ctx);
#endif
  if (!module)
    llvm::consumeError(module.takeError());
  return 0;
}
