//===- InitAll.cpp - Register every Fulcrum dialect, pass and target ------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/InitAll.h"

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Cost/Passes.h"
#include "fulcrum/Cost/Work.h"
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Dialect/SNN/IR/SNNDialect.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"
#include "fulcrum/Pipelines/Pipelines.h"
#include "fulcrum/Prune/Passes.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/CPU/Passes.h"
#include "fulcrum/Target/GPU/GPUTarget.h"
#include "fulcrum/Target/GPU/Passes.h"
#include "fulcrum/Target/NIR/NIRTarget.h"
#include "fulcrum/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

void fulcrum::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect, fused::FulcrumDialect>();
  registry.insert<snn::SNNDialect>();
  // The passes of the pipelines rely on external models (bufferization,
  // subset and value-bounds interfaces, LLVM translation) spread over many
  // upstream dialects; register them all, as mlir-opt does.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry);
  cost::registerWorkModels(registry);
  registerGPUTargetInterfaces(registry);
}

void fulcrum::registerAllPasses() {
  onnx::registerONNXPasses();
  fused::registerFulcrumPasses();
  registerConversionPasses();
  registerCPUTargetPasses();
  registerTransformsPasses();
  cost::registerCostPasses();
  prune::registerPrunePasses();
  registerPipelines();
  registerCPUCodegenPipeline();
  registerGPUTargetPasses();
  registerGPUCodegenPipelines();
  snn::registerSNNPasses();
}

void fulcrum::registerAllTargetBackends() {
  registerCPUTargetBackend();
  registerGPUTargetBackends();
  snn::registerNIRTargetBackend();
}
