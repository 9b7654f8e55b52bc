//===- Pipeline.cpp - The CPU target's codegen phase ----------------------===//
//
// Part of Fulcrum. linalg on tensors -> LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Cost/Passes.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/CPU/Kernels.h"
#include "fulcrum/Target/CPU/Passes.h"
#include "fulcrum/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace fulcrum {

void addBufferizationPasses(OpPassManager &pm) {
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // Loops lowered from ONNX Loop/Scan and recurrent layers yield new tensors
  // (the body's results) rather than their iteration arguments.
  bufferization.allowReturnAllocsFromLoops = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  bufferization.unknownTypeConverterFn =
      [](Value value, Attribute memorySpace,
         const bufferization::BufferizationOptions &) {
        auto type = cast<TensorType>(value.getType());
        return bufferization::getMemRefTypeWithStaticIdentityLayout(
            type, memorySpace);
      };
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
}

void buildCPUCodegenPipeline(OpPassManager &pm, const PipelineOptions &options,
                             StringRef kernelISA, StringRef quantizedISA,
                             StringRef attentionISA) {
  if (options.channelsLast)
    pm.addNestedPass<func::FuncOp>(createChannelsLast());
  // The timers of a profiling build go around the entry point's layers.
  if (options.tileBatch && !options.profileLayers) {
    CPUTileBatchOptions tile;
    tile.entryPoint = options.entryPoint;
    if (options.cacheBytes > 0)
      tile.cacheBytes = options.cacheBytes;
    if (options.machineBalance > 0)
      tile.balance = options.machineBalance;
    pm.addPass(createCPUTileBatch(tile));
  }
  pm.addPass(createEmitCInterface(EmitCInterfaceOptions{options.entryPoint}));
  addBufferizationPasses(pm);
  // The threads' share of a batch (fulcrum-cpu-tile-batch) become OpenMP
  // loops with the other parallel loops.
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  // Before the matmul and softmax kernels, which would take the attention's
  // parts one by one.
  CPUAttentionToKernelOptions attention;
  attention.kernelIsa = (attentionISA.empty() ? kernelISA : attentionISA).str();
  if (!options.targetDescription.empty())
    attention.targetName = options.targetDescription;
  attention.tile = options.attentionKeyTile;
  pm.addPass(createCPUAttentionToKernel(attention));
  // Without fusion (--fuse=false) the kernels leave the element-wise
  // epilogues that follow them as loops of their own: the unfused baseline.
  pm.addPass(createCPUMatmulToKernel(
      CPUMatmulToKernelOptions{kernelISA.str(), options.fuse}));
  pm.addPass(createCPUConvToKernel(
      CPUConvToKernelOptions{kernelISA.str(), options.fuse, options.winograd}));
  pm.addPass(createCPUPoolToKernel(CPUPoolToKernelOptions{kernelISA.str()}));
  pm.addPass(createCPUQuantizedToKernel(
      CPUQuantizedToKernelOptions{quantizedISA.str(), options.winograd}));
  pm.addPass(
      createCPUSoftmaxToKernel(CPUSoftmaxToKernelOptions{kernelISA.str()}));
  pm.addPass(createCPUApproximateMath());
  pm.addPass(createCPUReassociateReductions());
  // After the kernel conversions, so that the timers do not stand between a
  // kernel and the padding and epilogue it takes in.
  if (options.profileLayers)
    pm.addPass(cost::createProfileLayers(
        cost::ProfileLayersOptions{options.entryPoint}));
  pm.addNestedPass<func::FuncOp>(createConvertMemRefCopyToLinalg());
  // Large ops become scf.parallel, spread over the OpenMP threads the
  // kernels use too. The memref lowering must come before scf-to-cf, which
  // cannot lower the alloca scopes convert-scf-to-openmp creates.
  pm.addPass(createCPUFlattenGlobals());
  pm.addNestedPass<func::FuncOp>(createCPULinalgToLoops());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Every buffer exists by now (the kernels' workspaces too). After the
  // strided-metadata expansion, which would drop the byte shift of the
  // arena's memref.view ops (it takes a view's aligned pointer to be its
  // source's).
  pm.addPass(createCPUPlanMemory());
  // Buffers are allocated through the caching functions of Kernels/alloc.c.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Without AVX512-BF16, LLVM lowers f32 -> bf16 to a libcall
  // (__truncsfbf2) that the JIT and the libraries cannot resolve.
  if (attentionISA != "avx512bf16")
    pm.addPass(createCPUExpandBFloat16());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void registerCPUCodegenPipeline() {
  static PassPipelineRegistration<PipelineCLOptions> codegen(
      "fulcrum-cpu-codegen-pipeline",
      "Fulcrum's linalg -> codegen phase for CPUs",
      [](OpPassManager &pm, const PipelineCLOptions &cl) {
        buildCPUCodegenPipeline(pm, cl.toOptions(),
                                getKernelISA(TargetOptions{}),
                                getQuantizedKernelISA(TargetOptions{}),
                                getAttentionKernelISA(TargetOptions{}));
      });
}

} // namespace fulcrum
