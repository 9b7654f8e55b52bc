//===- CPUTarget.h - Serialize LLVM-dialect modules for CPUs ----*- C++ -*-===//
//
// Part of Fulcrum. The `serialize` phase for CPUs: LLVM-dialect MLIR to LLVM
// IR, and LLVM IR to an object file, a static library or a shared library,
// in-process through LLVM's TargetMachine (shared libraries are linked with
// the system's clang/lld driver).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_CPU_CPUTARGET_H
#define FULCRUM_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace fulcrum {

struct CPUTargetOptions {
  /// Target triple; empty means the host's.
  std::string triple;
  /// `native`, `x86-64`, `x86-64-v3`, `x86-64-v4`, or any LLVM CPU name.
  std::string cpu = "x86-64";
  /// LLVM optimization level (0-3).
  unsigned optLevel = 3;
};

/// Translates an LLVM-dialect module to LLVM IR, sets the target and
/// optimizes it.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  const CPUTargetOptions &options);

/// Emits a relocatable object file for `module`.
/// Adds the exports through which `fulcrum-run` calls a compiled library:
/// `fulcrum_signature_<entry>`, a NUL-terminated string (`signature`, see
/// fulcrum/Execution/Signature.h), and `void fulcrum_invoke_<entry>(void
/// **args)`, which calls `_mlir_ciface_<entry>` with `*(void **)args[i]` as
/// its i-th argument (ExecutionEngine's packed convention).
llvm::Error addEntryPointExports(llvm::Module &module, llvm::StringRef entry,
                                 llvm::StringRef signature);

llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       const CPUTargetOptions &options);

/// Writes `object` (named `memberName`) as a static library to `path`.
llvm::Error writeStaticLibrary(llvm::StringRef path, llvm::StringRef object,
                               llvm::StringRef memberName);

/// Links `object` into a shared library at `path`.
llvm::Error writeSharedLibrary(llvm::StringRef path, llvm::StringRef object);

} // namespace fulcrum

#endif // FULCRUM_TARGET_CPU_CPUTARGET_H
