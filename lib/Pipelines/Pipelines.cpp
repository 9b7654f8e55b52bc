//===- Pipelines.cpp - Fulcrum's target-independent phases ----------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Pipelines/Pipelines.h"

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassRegistry.h"
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

void buildGraphPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  // Shape inference sees partly known shape computations; folding then
  // makes the fully known ones constant, which refines more types.
  pm.addNestedPass<func::FuncOp>(onnx::createONNXShapeInference());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXFoldShapeComputations());
  // Sequences of known elements become their tensors once positions are
  // constant.
  pm.addNestedPass<func::FuncOp>(onnx::createONNXResolveSequences());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXShapeInference());
  pm.addNestedPass<func::FuncOp>(onnx::createONNXDecompose());
  if (options.fuse)
    buildFusionPipeline(pm, options);
}

void buildFusionPipeline(OpPassManager &pm, const PipelineOptions &options) {
  // Quantized contractions first, before the epilogue fusion takes their
  // float Conv/Gemm/MatMul.
  pm.addNestedPass<func::FuncOp>(fused::createRecognizeQuantized());
  // Transposes first: a MatMul of a transposed matrix becomes a Gemm,
  // which scales and shifts then fold into.
  pm.addNestedPass<func::FuncOp>(fused::createFoldTranspose());
  pm.addNestedPass<func::FuncOp>(fused::createFoldScaleShift());
  pm.addNestedPass<func::FuncOp>(fused::createRecognizeLayerNorm());
  if (options.fuseAttention) {
    fused::RecognizeAttentionOptions attention;
    attention.remarks = options.fusionRemarks;
    pm.addNestedPass<func::FuncOp>(fused::createRecognizeAttention(attention));
    if (options.attentionWindow > 0)
      pm.addNestedPass<func::FuncOp>(
          fused::createAttentionWindow(fused::AttentionWindowOptions{
              options.attentionWindow, options.attentionGlobalTokens}));
    if (options.attentionPrecision != "fp32")
      pm.addNestedPass<func::FuncOp>(fused::createAttentionPrecision(
          fused::AttentionPrecisionOptions{options.attentionPrecision}));
  }
  // GELU before epilogues, so that it joins its contraction.
  pm.addNestedPass<func::FuncOp>(fused::createRecognizeGelu());
  fused::FuseEpilogueOptions epilogue;
  epilogue.remarks = options.fusionRemarks;
  pm.addNestedPass<func::FuncOp>(
      options.fusionPolicy
          ? fused::createFuseEpilogue(epilogue, options.fusionPolicy)
          : fused::createFuseEpilogue(epilogue));
  pm.addPass(createCanonicalizerPass());
}

void buildLinalgPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createConvertONNXToLinalg());
  pm.addPass(createCanonicalizerPass());
  if (options.fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void registerPipelines() {
  static PassPipelineRegistration<PipelineCLOptions> graph(
      "fulcrum-graph-pipeline", "Fulcrum's import -> graph phase",
      [](OpPassManager &pm, const PipelineCLOptions &cl) {
        buildGraphPipeline(pm, cl.toOptions());
      });
  static PassPipelineRegistration<PipelineCLOptions> linalg(
      "fulcrum-linalg-pipeline", "Fulcrum's graph -> linalg phase",
      [](OpPassManager &pm, const PipelineCLOptions &cl) {
        buildLinalgPipeline(pm, cl.toOptions());
      });
}

} // namespace fulcrum
