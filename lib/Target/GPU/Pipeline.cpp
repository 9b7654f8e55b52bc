//===- Pipeline.cpp - The GPU targets' codegen phase ----------------------===//
//
// Part of Fulcrum. linalg on tensors -> kernels (SPIR-V or PTX) embedded in
// an LLVM-dialect host module that calls the GPU runtime.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/CPU/Passes.h"
#include "fulcrum/Target/GPU/GPUTarget.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/RequestCWrappers.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/SPIRV/Target.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

namespace fulcrum {

void buildGPUCodegenPipeline(OpPassManager &pm, const PipelineOptions &options,
                             const GPUPipelineOptions &gpu) {
  pm.addPass(createEmitCInterface(EmitCInterfaceOptions{options.entryPoint}));
  addBufferizationPasses(pm);
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertMemRefCopyToLinalg());

  // Matrix products and convolutions: tiled kernels with their inputs
  // staged in workgroup memory (NVVM lowers workgroup attributions, the
  // SPIR-V conversion workgroup allocations).
  if (gpu.tileContractions) {
    GPUTileContractionsOptions tiles;
    tiles.tileRows = gpu.tileRows;
    tiles.tileCols = gpu.tileCols;
    tiles.tileDepth = gpu.tileDepth;
    tiles.threadRows = gpu.threadRows;
    tiles.threadCols = gpu.threadCols;
    tiles.minWorkgroups = gpu.minWorkgroups;
    tiles.workgroupMemory =
        gpu.kind == GPUKind::Vulkan ? "alloc" : "attribution";
    pm.addNestedPass<func::FuncOp>(createGPUTileContractions(tiles));
  }
  // Reductions on subgroups: on nvptx one warp of 32 per output, combined
  // with shuffles; on vulkan (subgroups of the driver's size) one workgroup
  // per output, subgroups combined with gpu.subgroup_reduce, then through
  // workgroup memory.
  if (gpu.subgroupReductions) {
    GPUSubgroupReductionsOptions reductions;
    if (gpu.kind == GPUKind::Vulkan)
      reductions.mode = "subgroup-reduce";
    pm.addNestedPass<func::FuncOp>(createGPUSubgroupReductions(reductions));
  }

  // The mapping: every linalg op becomes a parallel loop nest (its
  // reductions moved inside, to run sequentially in each thread, rather
  // than around it as a host loop of launches), loads through views are
  // folded into their source buffers, and each nest a kernel can hold is
  // tiled to workgroups and threads.
  pm.addNestedPass<func::FuncOp>(createGPUInterchangeReductions());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  GPUMapParallelLoopsOptions map;
  map.workgroupSize = gpu.workgroupSize;
  map.allow64Bit = true;
  // Buffers with a dynamic first dimension: runtime arrays in SPIR-V;
  // static arguments plus their sizes for NVVM's bare pointers
  // (fulcrum-gpu-static-kernel-arguments, below).
  map.allowDynamicLeadingDim = true;
  pm.addNestedPass<func::FuncOp>(createGPUMapParallelLoops(map));
  pm.addNestedPass<func::FuncOp>(createParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  // Constant launch sizes become the kernels' known block sizes (SPIR-V's
  // LocalSize); the constants the canonicalizer hoists are sunk again.
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuLauchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGPUMergeKernelModules());

  if (gpu.kind == GPUKind::Vulkan) {
    pm.addPass(createGPUKernelsToSPIRV());
    pm.addPass(createGPUSerializeSPIRV());
  } else {
    pm.addPass(createGPUStaticKernelArguments());
    GpuNVVMAttachTargetOptions attach;
    attach.chip = gpu.chip;
    attach.features = "+ptx80";
    attach.optLevel = 3;
    std::vector<std::string> libs;
    if (!gpu.libdevice.empty())
      libs.push_back(gpu.libdevice);
    attach.linkLibs = libs;
    pm.addPass(createGpuNVVMAttachTarget(attach));
    ConvertGpuOpsToNVVMOpsOptions nvvm;
    nvvm.useBarePtrCallConv = true;
    nvvm.indexBitwidth = 64;
    pm.addNestedPass<gpu::GPUModuleOp>(createConvertSCFToCFPass());
    pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
    pm.addPass(createReconcileUnrealizedCastsPass());
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
  GPULowerLaunchesOptions launches;
  launches.runtime = gpu.kind == GPUKind::Vulkan ? "vulkan" : "cuda";
  launches.indexBytes = gpu.kind == GPUKind::Vulkan ? 4 : 8;
  pm.addPass(createGPULowerLaunches(launches));

  // The host side, as on the CPU (without its kernels and threads).
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void registerGPUCodegenPipelines() {
  static PassPipelineRegistration<PipelineCLOptions> vulkan(
      "fulcrum-vulkan-codegen-pipeline",
      "Fulcrum's linalg -> codegen phase for Vulkan (SPIR-V kernels)",
      [](OpPassManager &pm, const PipelineCLOptions &cl) {
        buildGPUCodegenPipeline(pm, cl.toOptions(), GPUPipelineOptions{});
      });
  static PassPipelineRegistration<PipelineCLOptions> nvptx(
      "fulcrum-nvptx-codegen-pipeline",
      "Fulcrum's linalg -> codegen phase for NVIDIA GPUs (PTX for sm_80)",
      [](OpPassManager &pm, const PipelineCLOptions &cl) {
        GPUPipelineOptions gpu;
        gpu.kind = GPUKind::NVPTX;
        gpu.chip = "sm_80";
        buildGPUCodegenPipeline(pm, cl.toOptions(), gpu);
      });
}

void registerGPUTargetInterfaces(DialectRegistry &registry) {
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  spirv::registerSPIRVTargetInterfaceExternalModels(registry);
}

namespace {
std::string cudaRoot() {
  if (const char *home = std::getenv("CUDA_HOME"))
    return home;
  return "/usr/local/cuda";
}
} // namespace

std::string findLibdevice() {
  llvm::SmallString<128> path(cudaRoot());
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(path) ? path.str().str() : "";
}

std::string findPtxas() {
  llvm::SmallString<128> path(cudaRoot());
  llvm::sys::path::append(path, "bin", "ptxas");
  if (llvm::sys::fs::can_execute(path))
    return path.str().str();
  if (auto found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  return "";
}

} // namespace fulcrum
