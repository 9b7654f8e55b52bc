//===- Pipelines.cpp - Fulcrum's compilation phases -----------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Pipelines/Pipelines.h"

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace fulcrum {

std::optional<CompilePhase> parseCompilePhase(StringRef name) {
  return llvm::StringSwitch<std::optional<CompilePhase>>(name)
      .Case("import", CompilePhase::Import)
      .Case("graph", CompilePhase::Graph)
      .Case("linalg", CompilePhase::Linalg)
      .Case("codegen", CompilePhase::Codegen)
      .Default(std::nullopt);
}

StringRef stringifyCompilePhase(CompilePhase phase) {
  switch (phase) {
  case CompilePhase::Import:
    return "import";
  case CompilePhase::Graph:
    return "graph";
  case CompilePhase::Linalg:
    return "linalg";
  case CompilePhase::Codegen:
    return "codegen";
  }
  return "";
}

void buildGraphPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createCanonicalizerPass());
  // Shape inference sees partly known shape computations; folding then
  // makes the fully known ones constant, which refines more types.
  pm.addNestedPass<func::FuncOp>(onnx::createONNXShapeInference());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXFoldShapeComputations());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXShapeInference());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXDecompose());
}

void buildLinalgPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createConvertONNXToLinalg());
  pm.addPass(createCanonicalizerPass());
  if (options.fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}


void buildCPUCodegenPipeline(OpPassManager &pm,
                             const PipelineOptions &options) {
  pm.addPass(createEmitCInterface(EmitCInterfaceOptions{options.entryPoint}));
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
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
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertMemRefCopyToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void registerPipelineDialects(DialectRegistry &registry) {
  // The passes of the pipelines rely on external models (bufferization,
  // subset and value-bounds interfaces, LLVM translation) spread over many
  // upstream dialects; register them all, as mlir-opt does.
  registry.insert<onnx::ONNXDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void registerPipelines() {
  static PassPipelineRegistration<> graph(
      "fulcrum-graph-pipeline", "Fulcrum's import -> graph phase",
      [](OpPassManager &pm) { buildGraphPipeline(pm, {}); });
  static PassPipelineRegistration<> linalg(
      "fulcrum-linalg-pipeline", "Fulcrum's graph -> linalg phase",
      [](OpPassManager &pm) { buildLinalgPipeline(pm, {}); });
  static PassPipelineRegistration<> codegen(
      "fulcrum-cpu-codegen-pipeline",
      "Fulcrum's linalg -> codegen phase for CPUs (entry @main_graph)",
      [](OpPassManager &pm) { buildCPUCodegenPipeline(pm, {}); });
}

LogicalResult runPipeline(ModuleOp module, CompilePhase from, CompilePhase to,
                          const PipelineOptions &options) {
  PassManager pm(module->getContext());
  // Honors --mlir-print-ir-*, --mlir-timing, ... where a tool registered
  // them.
  (void)applyPassManagerCLOptions(pm);
  auto after = [&](CompilePhase p) { return from < p && p <= to; };
  if (after(CompilePhase::Graph))
    buildGraphPipeline(pm, options);
  if (after(CompilePhase::Linalg))
    buildLinalgPipeline(pm, options);
  if (after(CompilePhase::Codegen))
    buildCPUCodegenPipeline(pm, options);
  return pm.run(module);
}

} // namespace fulcrum
