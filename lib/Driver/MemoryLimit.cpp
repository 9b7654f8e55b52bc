//===- MemoryLimit.cpp - A resident-memory limit for a compile ------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Driver/MemoryLimit.h"

#include "fulcrum/Support/ChildProcess.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <unistd.h>

namespace fulcrum {

namespace {

constexpr uint64_t kMiB = 1 << 20;

} // namespace

uint64_t getConstantBytes(mlir::ModuleOp module) {
  uint64_t total = 0;
  llvm::DenseSet<mlir::Attribute> seen;
  module->walk([&](mlir::Operation *op) {
    for (mlir::NamedAttribute attr : op->getAttrs()) {
      auto elements = llvm::dyn_cast<mlir::ElementsAttr>(attr.getValue());
      if (!elements || !seen.insert(elements).second)
        continue;
      if (auto resource =
              llvm::dyn_cast<mlir::DenseResourceElementsAttr>(elements)) {
        if (mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob())
          total += blob->getData().size();
      } else if (auto dense =
                     llvm::dyn_cast<mlir::DenseElementsAttr>(elements)) {
        total += dense.getRawData().size();
      }
    }
  });
  return total;
}

uint64_t getMinimumCompileMemory(uint64_t constantBytes) {
  // The weights as read and their packed copy. Measured: a 1 GiB MatMul
  // weight peaks at 2.1 GiB, the compiler itself adding about 150 MiB.
  return 2 * constantBytes;
}

MemoryLimit::MemoryLimit(uint64_t limitBytes, std::string file)
    : limitBytes(limitBytes), file(std::move(file)) {
  thread = std::thread([this] { watch(); });
}

MemoryLimit::~MemoryLimit() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  stop.notify_all();
  thread.join();
}

void MemoryLimit::watch() {
  std::unique_lock<std::mutex> lock(mutex);
  while (!stop.wait_for(lock, std::chrono::milliseconds(10),
                        [this] { return stopping; })) {
    uint64_t resident = getResidentBytes();
    if (resident <= limitBytes)
      continue;
    std::string message;
    llvm::raw_string_ostream os(message);
    os << file << ": error: compiling needs more than the " << limitBytes / kMiB
       << " MiB that --max-compile-memory allows (resident memory reached "
       << resident / kMiB << " MiB while " << phase.load() << ")\n";
    os.flush();
    // One write, then out: the compile is abandoned mid-flight.
    ssize_t written = ::write(STDERR_FILENO, message.data(), message.size());
    (void)written;
    ::_exit(1);
  }
}

llvm::Error MemoryLimit::checkConstants(mlir::ModuleOp module) const {
  uint64_t constants = getConstantBytes(module);
  uint64_t needed = getMinimumCompileMemory(constants);
  if (needed <= limitBytes)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "the model's constants (" + llvm::Twine(constants / kMiB) +
          " MiB) need at least " + llvm::Twine(needed / kMiB) +
          " MiB to compile, more than the " + llvm::Twine(limitBytes / kMiB) +
          " MiB that --max-compile-memory allows");
}

} // namespace fulcrum
