//===- Pipelines.h - Fulcrum's target-independent phases --------*- C++ -*-===//
//
// Part of Fulcrum. Each phase of the compiler is a pipeline-building
// function with an options struct; `fulcrum-compile --compile-to=<phase>`
// stops after any of them. The phases before `codegen` are the same for
// every target; `codegen` belongs to the target (TargetBackend), and the
// driver (fulcrum/Driver/Driver.h) strings them together.
//
//   import   onnx dialect (the importer's output)
//   graph    onnx and fulcrum dialects, canonicalized, with precise types;
//            contractions fused with their epilogues
//   linalg   linalg/tensor/arith/math on tensors, element-wise ops fused
//   codegen  target-specific (CPU: the LLVM dialect)
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PIPELINES_PIPELINES_H
#define FULCRUM_PIPELINES_PIPELINES_H

#include "fulcrum/Dialect/Fulcrum/Transforms/FusionPolicy.h"

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
  /// Graph-level fusion: fold BatchNormalization, constant scales and
  /// transposes into contractions, recognize layer norms and GELUs, fuse
  /// epilogues into fulcrum ops.
  bool fuse = true;
  /// Report each epilogue-fusion decision as a remark, with its reason.
  bool fusionRemarks = false;
  /// Recognize attention blocks as fulcrum.attention (with `fuse`).
  bool fuseAttention = true;
  /// Local attention: each query attends to keys at most this far away
  /// (0: everywhere), except the first `attentionGlobalTokens` tokens.
  int64_t attentionWindow = 0;
  int64_t attentionGlobalTokens = 1;
  /// Precision of attention's two products: "fp32", or "bf16" (operands
  /// rounded to bf16, f32 accumulation; fulcrum-attention-precision).
  std::string attentionPrecision = "fp32";
  /// Keys per tile of the fused attention kernel; 0: the cost model's
  /// choice (fulcrum-cpu-attention-to-kernel).
  int64_t attentionKeyTile = 0;
  /// The cost model's description of the CPU target that code generation
  /// prices its choices on (a preset name or a JSON file); empty: the
  /// preset for the target's ISA.
  std::string targetDescription;
  /// Decides each epilogue fusion; empty: the default policy
  /// (fulcrum::fused::getDefaultFusionPolicy). The cost model plugs in here.
  fused::FusionPolicy fusionPolicy;
  /// Run convolutions and their neighbours channels-last (NHWC) where the
  /// target's code generation prefers it.
  bool channelsLast = true;
  /// Run channels-last 3x3 convolutions at stride 1 as Winograd F(2x2, 3x3)
  /// (fulcrum-cpu-conv-to-kernel).
  bool winograd = true;
  /// Run a batch-separable entry point with a dynamic batch in chunks of
  /// images that fit the cache, the threads sharing the batch
  /// (fulcrum-cpu-tile-batch).
  bool tileBatch = true;
  /// The last-level cache bytes the chunks are sized for; 0: the target's.
  int64_t cacheBytes = 0;
  /// Flops per byte of DRAM traffic at which a core is compute-bound; 0:
  /// the pass's default.
  double machineBalance = 0;
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
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Graph-level fusion into fulcrum ops"),
                    llvm::cl::init(true)};
  Option<bool> fusionRemarks{
      *this, "fusion-remarks",
      llvm::cl::desc("Report each fusion decision as a remark"),
      llvm::cl::init(false)};
  Option<bool> channelsLast{
      *this, "channels-last",
      llvm::cl::desc("Run convolutions and their neighbours on NHWC tensors"),
      llvm::cl::init(true)};
  Option<bool> winograd{
      *this, "winograd",
      llvm::cl::desc("Run 3x3 stride-1 convolutions as Winograd F(2x2, 3x3)"),
      llvm::cl::init(true)};
  Option<bool> tileBatch{
      *this, "tile-batch",
      llvm::cl::desc("Run a batch-separable entry point in chunks of the "
                     "batch (fulcrum-cpu-tile-batch)"),
      llvm::cl::init(true)};

  PipelineOptions toOptions() const {
    PipelineOptions options;
    options.entryPoint = entryPoint;
    options.fuseElementwise = fuseElementwise;
    options.fuse = fuse;
    options.fusionRemarks = fusionRemarks;
    options.channelsLast = channelsLast;
    options.winograd = winograd;
    options.tileBatch = tileBatch;
    return options;
  }
};

/// import -> graph: canonicalization, shape inference and (with
/// `options.fuse`) graph-level fusion.
void buildGraphPipeline(mlir::OpPassManager &pm,
                        const PipelineOptions &options);
/// The graph-level fusion passes of the graph phase (fulcrum-fold-transpose,
/// fulcrum-fold-scale-shift, fulcrum-recognize-layer-norm,
/// fulcrum-recognize-gelu, fulcrum-fuse-epilogue), with the options'
/// fusion policy.
void buildFusionPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);
/// graph -> linalg: lowering of onnx ops, element-wise fusion.
void buildLinalgPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);

/// Registers the target-independent phases as textual pipelines
/// (`fulcrum-graph-pipeline`, `fulcrum-linalg-pipeline`) for fulcrum-opt.
void registerPipelines();

} // namespace fulcrum

#endif // FULCRUM_PIPELINES_PIPELINES_H
