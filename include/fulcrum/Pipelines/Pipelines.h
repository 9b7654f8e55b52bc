//===- Pipelines.h - Fulcrum's target-independent phases --------*- C++ -*-===//
//
// Part of Fulcrum. Each phase of the compiler is a pipeline-building
// function with an options struct; `fulcrum-compile --compile-to=<phase>`
// stops after any of them. The phases before `codegen` are the same for
// every target; `codegen` belongs to the target (TargetBackend), and the
// driver (fulcrum/Driver/Driver.h) strings them together.
//
//   import   onnx dialect (the importer's output)
//   graph    onnx dialect, canonicalized, with precise types
//   linalg   linalg/tensor/arith/math on tensors, element-wise ops fused
//   codegen  target-specific (CPU: the LLVM dialect)
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PIPELINES_PIPELINES_H
#define FULCRUM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>
#include <string>

namespace fulcrum {

enum class CompilePhase { Import, Graph, Linalg, Codegen };

/// Parses `import|graph|linalg|codegen`.
std::optional<CompilePhase> parseCompilePhase(llvm::StringRef name);
llvm::StringRef stringifyCompilePhase(CompilePhase phase);

struct PipelineOptions {
  /// Name of the function that becomes the entry point.
  std::string entryPoint = "main_graph";
  /// Fuse producer/consumer element-wise linalg ops on tensors.
  bool fuseElementwise = true;
  /// Run convolutions and their neighbours channels-last (NHWC) where the
  /// target's code generation prefers it.
  bool channelsLast = true;
  /// Profiling build: time each layer tagged by fulcrum::cost::tagLayers
  /// (fulcrum/Cost/Profile.h) with calls of the profiling runtime.
  bool profileLayers = false;
};

/// The options of the registered textual pipelines, e.g.
/// `fulcrum-linalg-pipeline{fuse-elementwise=false}` or
/// `fulcrum-cpu-codegen-pipeline{entry-point=classify}`.
struct PipelineCLOptions : public mlir::PassPipelineOptions<PipelineCLOptions> {
  Option<std::string> entryPoint{
      *this, "entry-point",
      llvm::cl::desc("Name of the function that becomes the entry point"),
      llvm::cl::init("main_graph")};
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse producer/consumer element-wise linalg ops"),
      llvm::cl::init(true)};
  Option<bool> channelsLast{
      *this, "channels-last",
      llvm::cl::desc("Run convolutions and their neighbours on NHWC tensors"),
      llvm::cl::init(true)};

  PipelineOptions toOptions() const {
    PipelineOptions options;
    options.entryPoint = entryPoint;
    options.fuseElementwise = fuseElementwise;
    options.channelsLast = channelsLast;
    return options;
  }
};

/// import -> graph: canonicalization and shape inference.
void buildGraphPipeline(mlir::OpPassManager &pm,
                        const PipelineOptions &options);
/// graph -> linalg: lowering of onnx ops, element-wise fusion.
void buildLinalgPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);

/// Registers the target-independent phases as textual pipelines
/// (`fulcrum-graph-pipeline`, `fulcrum-linalg-pipeline`) for fulcrum-opt.
void registerPipelines();

} // namespace fulcrum

#endif // FULCRUM_PIPELINES_PIPELINES_H
