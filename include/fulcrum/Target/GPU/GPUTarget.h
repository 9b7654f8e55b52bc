//===- GPUTarget.h - The GPU targets ----------------------------*- C++ -*-===//
//
// Part of Fulcrum. Code generation for GPUs: `vulkan` (SPIR-V compute
// shaders, run through a small runtime over libvulkan, e.g. on Mesa's
// lavapipe) and `nvptx` (NVVM -> PTX, run through a small runtime over the
// CUDA driver API). Both share the linalg -> GPU mapping (parallel loops
// tiled to workgroups and threads, outlined into one gpu.module); the host
// side is lowered to LLVM like the CPU target's and calls the runtime,
// which is linked into the artifact from bitcode and loads the GPU driver
// with dlopen when the model first runs.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_GPU_GPUTARGET_H
#define FULCRUM_TARGET_GPU_GPUTARGET_H

#include "fulcrum/Target/TargetBackend.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>

namespace fulcrum {

/// Which kernels the GPU pipeline makes.
enum class GPUKind { Vulkan, NVPTX };

struct GPUPipelineOptions {
  GPUKind kind = GPUKind::Vulkan;
  /// NVPTX: the chip (`sm_80`, `sm_90`); required.
  std::string chip;
  /// Threads per workgroup of the mapped loops.
  int64_t workgroupSize = 64;
  /// NVPTX: libdevice bitcode linked into the kernels ("" when absent).
  std::string libdevice;
  /// Contractions on tiled kernels with workgroup memory
  /// (fulcrum-gpu-tile-contractions), with these tiles; false: one thread
  /// per output element like every other loop nest (`--gpu-tile=none`).
  bool tileContractions = true;
  int64_t tileRows = 64, tileCols = 64, tileDepth = 16;
  int64_t threadRows = 4, threadCols = 4;
  /// Workgroups a contraction's launch should have (twice the chip's SMs
  /// from its description; 128 on vulkan; 0: tiles as given).
  int64_t minWorkgroups = 0;
  /// Reductions on subgroups (fulcrum-gpu-subgroup-reductions: a warp per
  /// output on nvptx, a workgroup per output on vulkan); off with
  /// `--gpu-tile=none`.
  bool subgroupReductions = true;
};

/// Reads the kernels' shape into `options`, whose `kind` is set: first the
/// `gpu` fields of a target description (contraction tiles, and twice its
/// multiprocessors as the workgroups a launch should have): `description`
/// (a preset name or a JSON file of kind `gpu`) when given, else the
/// chip's preset where Fulcrum ships one (nvptx), else the `vulkan` preset
/// (vulkan); then `--gpu-tile` (`RxCxD`, `RxCxDxTRxTC`, either with `:W`,
/// `:W` alone, or `none`), which overrides them.
llvm::Error parseGPUTile(llvm::StringRef spec, llvm::StringRef chip,
                         llvm::StringRef description,
                         GPUPipelineOptions &options);

/// Registers the `vulkan` and `nvptx` targets.
void registerGPUTargetBackends();

/// linalg -> codegen for GPUs: bufferization, the GPU mapping, kernels
/// (SPIR-V or PTX) embedded as globals, the host side in the LLVM dialect
/// calling the runtime.
void buildGPUCodegenPipeline(mlir::OpPassManager &pm,
                             const PipelineOptions &options,
                             const GPUPipelineOptions &gpu);

/// Registers `fulcrum-vulkan-codegen-pipeline` and
/// `fulcrum-nvptx-codegen-pipeline` (chip sm_80) for fulcrum-opt.
void registerGPUCodegenPipelines();

/// Registers what the GPU pipelines need in a context: the GPU dialect's
/// LLVM translation and the NVVM and SPIR-V target attributes.
void registerGPUTargetInterfaces(mlir::DialectRegistry &registry);

/// Links the GPU runtimes' bitcode (Runtime/*.c) into `module`, only what
/// it calls.
llvm::Error linkGPURuntime(llvm::Module &module);

/// The attribute on gpu.launch_func listing the operands its kernel may
/// write.
inline llvm::StringRef getWrittenArgsAttrName() {
  return "fulcrum.written_args";
}

/// Marks the host-side `memref.reinterpret_cast` that
/// fulcrum-gpu-static-kernel-arguments makes of a launch operand with a
/// dynamic first dimension: a full view of its source (same address and
/// extent), whose static type is only the kernel's signature.
inline llvm::StringRef getKernelArgumentCastAttrName() {
  return "fulcrum.kernel_argument";
}

/// The Vulkan environment kernels are compiled for (SPIR-V 1.3, Shader,
/// 8/16/64-bit types).
llvm::StringRef getDefaultVulkanTargetEnv();

/// The libdevice bitcode of the CUDA toolkit at /usr/local/cuda (or
/// $CUDA_HOME), or "" when absent.
std::string findLibdevice();

/// The path of `ptxas` (CUDA toolkit or PATH), or "" when absent.
std::string findPtxas();

/// The path of `fatbinary` (beside ptxas, or PATH), or "" when absent.
std::string findFatbinary();

/// The global of a lowered GPU model that holds its device code (SPIR-V,
/// PTX, or a fatbin).
inline llvm::StringRef getDeviceCodeGlobalName() {
  return "__fulcrum_gpu_binary_fulcrum_kernels";
}

/// The device code embedded in a lowered GPU module (without the NUL the
/// global ends with), or an error when the model has no kernels.
llvm::Expected<std::string> getDeviceCode(mlir::ModuleOp module);

/// PTX -> a fatbin with the cubin `ptxas` assembles for `chip` and the PTX
/// itself (for the driver to compile on other chips); "" when the toolkit
/// has no ptxas or fatbinary.
llvm::Expected<std::string> buildFatbin(llvm::StringRef ptx,
                                        llvm::StringRef chip);

/// Replaces the PTX held by the device-code global of a lowered nvptx
/// `module` with buildFatbin's fatbin; leaves the module as it is without
/// the toolkit.
llvm::Error embedFatbin(mlir::ModuleOp module, llvm::StringRef chip);

} // namespace fulcrum

#endif // FULCRUM_TARGET_GPU_GPUTARGET_H
