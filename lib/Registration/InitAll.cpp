//===- InitAll.cpp - Register every Fulcrum dialect and pass --------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/InitAll.h"

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Pipelines/Pipelines.h"
#include "fulcrum/Target/CPU/Passes.h"

void fulcrum::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect>();
  registerPipelineDialects(registry);
}

void fulcrum::registerAllPasses() {
  onnx::registerONNXPasses();
  registerConversionPasses();
  registerCPUTargetPasses();
  registerPipelines();
}
