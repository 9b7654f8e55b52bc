//===- Pipelines.h - Fulcrum's compilation phases ---------------*- C++ -*-===//
//
// Part of Fulcrum. Each phase of the compiler is a pipeline-building
// function with an options struct; `fulcrum-compile --compile-to=<phase>`
// stops after any of them.
//
//   import   onnx dialect (the importer's output)
//   graph    onnx dialect, canonicalized, with precise types
//   linalg   linalg/tensor/arith/math on tensors, element-wise ops fused
//   codegen  LLVM dialect (bufferized, lowered to loops, to LLVM)
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PIPELINES_PIPELINES_H
#define FULCRUM_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

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
};

/// import -> graph: canonicalization and shape inference.
void buildGraphPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
/// graph -> linalg: lowering of onnx ops, element-wise fusion.
void buildLinalgPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);
/// linalg -> codegen (CPU): bufferization, deallocation, loops, LLVM
/// dialect; the entry point gets a C interface (`_mlir_ciface_<entry>`).
void buildCPUCodegenPipeline(mlir::OpPassManager &pm,
                             const PipelineOptions &options);

/// Runs the phases after `from` up to and including `to` on `module`.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, CompilePhase from,
                                CompilePhase to,
                                const PipelineOptions &options = {});

/// Registers the phases as textual pipelines (`fulcrum-graph-pipeline`,
/// `fulcrum-linalg-pipeline`, `fulcrum-cpu-codegen-pipeline`) for
/// fulcrum-opt.
void registerPipelines();

/// Registers the dialects the pipelines produce in `registry`.
void registerPipelineDialects(mlir::DialectRegistry &registry);

} // namespace fulcrum

#endif // FULCRUM_PIPELINES_PIPELINES_H
