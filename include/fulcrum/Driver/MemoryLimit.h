//===- MemoryLimit.h - A resident-memory limit for a compile ----*- C++ -*-===//
//
// Part of Fulcrum. fulcrum-compile --max-compile-memory: a compile that
// would need more memory than the build machine grants ends with an error
// instead of being killed by the kernel's OOM killer (or taking the
// machine down with it).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DRIVER_MEMORYLIMIT_H
#define FULCRUM_DRIVER_MEMORYLIMIT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace fulcrum {

/// The bytes of every dense constant in `module` (splats count once).
uint64_t getConstantBytes(mlir::ModuleOp module);

/// What compiling `constantBytes` of constants needs at least: the
/// constants as read and their packed copy (the compiler itself adds about
/// 150 MiB).
uint64_t getMinimumCompileMemory(uint64_t constantBytes);

/// While alive, a thread samples this process's resident memory every 10
/// ms; once it exceeds `limitBytes` the process prints `<file>: error:
/// ...` naming the limit, the size reached and the phase, and exits with
/// status 1 (_exit: no destructors run). For tools only: a library caller
/// would lose its process.
class MemoryLimit {
public:
  MemoryLimit(uint64_t limitBytes, std::string file);
  ~MemoryLimit();
  MemoryLimit(const MemoryLimit &) = delete;
  MemoryLimit &operator=(const MemoryLimit &) = delete;

  /// What the compile is doing now ("importing", "compiling", "writing
  /// the artifact"), for the error. `phase` must outlive the limit.
  void setPhase(const char *phase) { this->phase.store(phase); }

  /// An error when `module`'s constants alone need more than the limit
  /// (getMinimumCompileMemory), checked before the compile allocates.
  llvm::Error checkConstants(mlir::ModuleOp module) const;

private:
  void watch();

  uint64_t limitBytes;
  std::string file;
  std::atomic<const char *> phase{"starting"};
  std::mutex mutex;
  std::condition_variable stop;
  bool stopping = false;
  std::thread thread;
};

} // namespace fulcrum

#endif // FULCRUM_DRIVER_MEMORYLIMIT_H
