//===- CPUTarget.h - The CPU target -----------------------------*- C++ -*-===//
//
// Part of Fulcrum. Code generation for CPUs through LLVM: the codegen
// pipeline (linalg on tensors to the LLVM dialect), translation to LLVM IR
// for the target's CPU and features, object files, static and shared
// libraries (shared libraries are linked with the system's clang/lld
// driver), and in-process execution by JIT-linking the same object file.
//
// One LLVM configuration serves every artifact and the JIT: all of them go
// through createCPUTargetMachine, translateToLLVMIR and emitObject with the
// same TargetOptions, so a model run through `fulcrum-run model.onnx` and
// through `fulcrum-run model.so` executes the same machine code.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_CPU_CPUTARGET_H
#define FULCRUM_TARGET_CPU_CPUTARGET_H

#include "fulcrum/Target/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace fulcrum {

/// Registers the `cpu` target (alias `x86-64`) with the target registry.
void registerCPUTargetBackend();

/// linalg -> codegen (CPU): bufferization, deallocation, matrix products
/// on the micro-kernels of `kernelISA` (Kernels.h), loops, LLVM dialect;
/// the entry point gets a C interface (`_mlir_ciface_<entry>`).
/// `quantizedISA` picks the 8-bit kernels (Kernels.h), `attentionISA` the
/// attention kernel's variant (empty: `kernelISA`).
void buildCPUCodegenPipeline(mlir::OpPassManager &pm,
                             const PipelineOptions &options,
                             llvm::StringRef kernelISA,
                             llvm::StringRef quantizedISA = "generic",
                             llvm::StringRef attentionISA = "");

/// One-shot bufferization of the whole module (function boundaries, identity
/// layouts) and buffer deallocation: the start of every codegen phase.
void addBufferizationPasses(mlir::OpPassManager &pm);

/// Registers `fulcrum-cpu-codegen-pipeline` (options: entry-point; kernels
/// for the host's ISA) for fulcrum-opt.
void registerCPUCodegenPipeline();

/// The TargetMachine of `options`: triple, CPU and features (`native`: the
/// host's CPU and every feature it has), PIC, optimization level.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createCPUTargetMachine(const TargetOptions &options);

/// Resolves `options` to the CPU, features and vector width they target.
llvm::Expected<TargetDescription>
describeCPUTarget(const TargetOptions &options);

/// The micro-kernel ISA for `options` (Kernels.h): by the resolved CPU's
/// features, `generic` when the options do not resolve (validation reports
/// that).
llvm::StringRef getKernelISA(const TargetOptions &options);

/// The same for the 8-bit kernels (selectQuantizedKernelISA).
llvm::StringRef getQuantizedKernelISA(const TargetOptions &options);

/// The weight bits `--quantize` uses unless told: 7 where the 8-bit
/// kernels for `options` are AVX2's, 8 elsewhere. AVX2's `vpmaddubsw` sums
/// pairs of u8 x s8 products in 16 bits, which weights over 63 in
/// magnitude can saturate; such a layer takes an exact path with 16-bit
/// weights at about half the speed. 7-bit weights cannot saturate it.
unsigned getDefaultQuantizedWeightBits(const TargetOptions &options);

/// The same for the attention kernel (selectAttentionKernelISA).
llvm::StringRef getAttentionKernelISA(const TargetOptions &options);

/// Translates an LLVM-dialect module to LLVM IR, sets the target and
/// optimizes it.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  const TargetOptions &options);

/// Adds the exports through which runners call a compiled model:
/// `fulcrum_signature_<entry>`, a NUL-terminated string (`signature`, see
/// fulcrum/Execution/Signature.h), and `void fulcrum_invoke_<entry>(void
/// **args)`, which calls `_mlir_ciface_<entry>` with `*(void **)args[i]` as
/// its i-th argument (ExecutionEngine's packed convention).
llvm::Error addEntryPointExports(llvm::Module &module, llvm::StringRef entry,
                                 llvm::StringRef signature);

/// Emits a relocatable object file for `module`.
llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       const TargetOptions &options);

/// translateToLLVMIR plus the entry point's exports (when it has a
/// signature): the LLVM IR every CPU artifact is made from.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateModelToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                       const EntryPointInfo &entry,
                       const TargetOptions &options);

/// The object file of an LLVM-dialect module after the codegen phase, with
/// the entry point's exports (what every CPU artifact and the JIT use).
llvm::Expected<std::string> compileToObject(mlir::ModuleOp module,
                                            const EntryPointInfo &entry,
                                            const TargetOptions &options);

/// A constant global moved out of the LLVM module (ConstantsObject.cpp):
/// its symbol, alignment and bytes (owned by the MLIR context).
struct ExternalConstant {
  std::string symbol;
  uint64_t alignment;
  llvm::ArrayRef<char> bytes;
};

/// Turns every constant `llvm.mlir.global` of `module` whose dense
/// initializer has at least `minBytes` bytes into an external declaration
/// of a hidden symbol `<prefix><n>`, and returns what it moved, for
/// writeConstantsObject. LLVM then never copies the model's weights.
std::vector<ExternalConstant> externalizeLargeConstants(mlir::ModuleOp module,
                                                        llvm::StringRef prefix,
                                                        uint64_t minBytes);

/// Writes a relocatable ELF object (x86-64 or AArch64) whose read-only
/// section defines `constants`, streamed from their bytes.
llvm::Error writeConstantsObject(llvm::raw_fd_ostream &os,
                                 llvm::ArrayRef<ExternalConstant> constants,
                                 const llvm::Triple &triple);

/// Writes `object` (named `memberName`) as a static library to `path`,
/// with the object files `extraObjects` as further members.
llvm::Error writeStaticLibrary(llvm::StringRef path, llvm::StringRef object,
                               llvm::StringRef memberName,
                               llvm::ArrayRef<std::string> extraObjects = {});

/// Links `object`, and the object files `extraObjects`, into a shared
/// library at `path`.
llvm::Error writeSharedLibrary(llvm::StringRef path, llvm::StringRef object,
                               llvm::ArrayRef<std::string> extraObjects = {});

/// Joins `object` and the object files `extraObjects` into one relocatable
/// object at `path` (ld.lld -r).
llvm::Error writeRelocatableObject(llvm::StringRef path, llvm::StringRef object,
                                   llvm::ArrayRef<std::string> extraObjects);

/// Links `object` into this process (LLVM's ORC JIT, symbols resolved
/// against the process) and returns a runner for its entry point.
llvm::Expected<std::unique_ptr<ModelRunner>>
jitLinkObject(llvm::StringRef object, llvm::StringRef entry);

} // namespace fulcrum

#endif // FULCRUM_TARGET_CPU_CPUTARGET_H
