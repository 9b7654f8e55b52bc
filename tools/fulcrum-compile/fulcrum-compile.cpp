//===- fulcrum-compile.cpp - Compile an ONNX model ahead of time ----------===//
//
// Part of Fulcrum. `fulcrum-compile model.onnx -o OUT`; the suffix of OUT
// picks the artifact: .mlir (after --compile-to), .ll, .o, .a, .so.
// `--header model.h` writes the C header of the entry point; `--depfile
// out.d` a Make/Ninja depfile of the inputs read. Options only:
// the compile itself is the driver's (fulcrum/Driver/Driver.h).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/FusionCost.h"
#include "fulcrum/Cost/Profiler.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Driver/MemoryLimit.h"
#include "fulcrum/Prune/PruneModel.h"
#include "fulcrum/Quantization/Quantize.h"
#include "fulcrum/Search/Search.h"
#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/CPUTarget.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

// The tool's own options: --help lists these, not LLVM's internal ones
// (they are still accepted, e.g. --mlir-timing, but not listed).
static cl::OptionCategory toolOptions("fulcrum-compile options");

static cl::opt<std::string> inputPath(cl::Positional, cl::cat(toolOptions),
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::opt<std::string>
    outputPath("o", cl::cat(toolOptions),
               cl::desc("Output: .o .a .so .ll .mlir (- is MLIR on "
                        "stdout)"),
               cl::value_desc("file"));
static cl::opt<std::string>
    compileTo("compile-to", cl::cat(toolOptions),
              cl::desc("Stop after a phase (with -o X.mlir): import, graph, "
                       "linalg, codegen"),
              cl::init("codegen"));
static cl::opt<std::string> headerPath("header", cl::cat(toolOptions),
                                       cl::desc("Write the C header here"),
                                       cl::value_desc("file"));
static cl::opt<std::string>
    depfilePath("depfile", cl::cat(toolOptions),
                cl::desc("Write a Make/Ninja depfile: the output depends on "
                         "the model and its external-data files"),
                cl::value_desc("file"));
static cl::opt<std::string>
    quantize("quantize", cl::cat(toolOptions),
             cl::desc("Post-training quantization: int8 (needs "
                      "--calibration-data)"),
             cl::value_desc("scheme"));
static cl::opt<std::string>
    calibrationData("calibration-data", cl::cat(toolOptions),
                    cl::desc("Calibration inputs for --quantize and --prune: a "
                             ".npy file, a .npz file "
                             "(arrays by input name) or a directory of them"),
                    cl::value_desc("file|dir"));
static cl::opt<int64_t> calibrationCount(
    "calibration-count", cl::cat(toolOptions),
    cl::desc("Use the first N calibration samples (default: all)"),
    cl::init(0));
static cl::opt<std::string> calibrationMethod(
    "calibration-method", cl::cat(toolOptions),
    cl::desc("How activation ranges are chosen: minmax (default), "
             "percentile, entropy (KL, TensorRT-style) or mse"),
    cl::init("minmax"));
static cl::opt<double> calibrationPercentile(
    "calibration-percentile", cl::cat(toolOptions),
    cl::desc("Share of |x| the percentile calibration covers (default "
             "99.99 with --quantize; 99.9, the threshold balancing, with "
             "--target=nir)"),
    cl::init(99.99));
static cl::list<std::string> keepFloat(
    "quantize-keep-float", cl::cat(toolOptions),
    cl::desc("Node names of contractions to keep in fp32 (comma-separated)"),
    cl::CommaSeparated);
static cl::opt<bool> quantizeAttention(
    "quantize-attention", cl::cat(toolOptions),
    cl::desc("--quantize: also quantize the products of the attention "
             "blocks the compiler fuses (by default they stay fp32, in the "
             "fused attention kernel)"));
static cl::opt<bool> reduceRange(
    "reduce-range", cl::cat(toolOptions),
    cl::desc("--quantize: 7-bit weights ([-63, 63] per channel) so that "
             "AVX2's vpmaddubsw cannot saturate: faster on x86 CPUs "
             "without VNNI, at a little precision; full-range weights take "
             "an exact 16-bit path there. The default where the target "
             "CPU's 8-bit kernels are AVX2's; --reduce-range=false keeps "
             "8-bit weights"));
static cl::opt<bool> quantizeReport(
    "quantize-report", cl::cat(toolOptions),
    cl::desc("Print each contraction's precision after --quantize"));
static cl::opt<std::string>
    emitOnnx("emit-onnx", cl::cat(toolOptions),
             cl::desc("Also write the model (quantized, if --quantize) as "
                      "ONNX at the graph phase, before graph-level fusion"),
             cl::value_desc("file.onnx"));
static cl::opt<unsigned> snnWeightBits(
    "snn-weight-bits", cl::cat(toolOptions),
    cl::desc("--target=nir: round weights to this many bits (0: keep f32)"),
    cl::init(0));
static cl::opt<std::string> snnMaxPool(
    "snn-maxpool", cl::cat(toolOptions),
    cl::desc("--target=nir: MaxPool as spike-max (exact max of spike "
             "counts, a NIR extension node) or avg (average pooling times "
             "a calibrated gain, NIR's own nodes)"),
    cl::init("spike-max"));
static cl::opt<bool> snnLayerThresholds(
    "snn-layer-thresholds", cl::cat(toolOptions),
    cl::desc("--target=nir: one threshold per layer instead of per channel"),
    cl::init(false));
static cl::opt<std::string>
    snnNeuron("snn-neuron", cl::cat(toolOptions),
              cl::desc("--target=nir: neuron model, if or lif (leaky, time "
                       "constant --snn-lif-tau)"),
              cl::init("if"));
static cl::opt<double>
    snnLifTau("snn-lif-tau", cl::cat(toolOptions),
              cl::desc("--target=nir: the LIF time constant in timesteps"),
              cl::init(100));
static cl::opt<std::string>
    target("target", cl::cat(toolOptions),
           cl::desc("Target (see --list-targets), or a target description "
                    "preset (x86-64-v3, x86-64-v4, sm_80, sm_90, loihi2)"),
           cl::init("cpu"));
static cl::opt<std::string> targetDescription(
    "target-description", cl::cat(toolOptions),
    cl::desc("The cost model's target description: a preset name or a JSON "
             "file (fulcrum-calibrate writes one); one of kind gpu also "
             "shapes the vulkan and nvptx kernels (contraction tiles, "
             "workgroups)"),
    cl::value_desc("name|file"));
static cl::opt<bool> printCost(
    "print-cost", cl::cat(toolOptions),
    cl::desc("Print the cost model's per-layer predictions and total (after "
             "the graph phase; -o is then optional)"));
static cl::opt<unsigned>
    costThreads("cost-threads", cl::cat(toolOptions),
                cl::desc("Threads a call runs on, for --print-cost"),
                cl::init(1));
static cl::list<std::string> inputShapes(
    "input-shape", cl::cat(toolOptions),
    cl::desc("Compile for a static input shape: NAME_OR_INDEX:D0xD1x... "
             "(? keeps a dimension dynamic; repeatable), e.g. "
             "input:8x1x28x28"));
static cl::opt<unsigned> costBatch(
    "cost-batch", cl::cat(toolOptions),
    cl::desc("The size every dynamic dimension (a dynamic batch) is priced "
             "at, for --print-cost and the fusion decisions (default 1)"),
    cl::init(1));
static cl::opt<bool> listTargets("list-targets", cl::cat(toolOptions),
                                 cl::desc("Print the registered targets"));
static cl::opt<std::string>
    targetCpu("target-cpu", cl::cat(toolOptions),
              cl::desc("CPU: native (the host's CPU and features), x86-64, "
                       "x86-64-v3, x86-64-v4, or an LLVM CPU name"),
              cl::init("native"));
static cl::alias mcpu("mcpu", cl::cat(toolOptions),
                      cl::desc("Alias of --target-cpu"),
                      cl::aliasopt(targetCpu));
static cl::opt<std::string>
    gpuChip("gpu-chip", cl::cat(toolOptions),
            cl::desc("GPU chip of --target=nvptx: sm_80, sm_90, ..."),
            cl::value_desc("chip"));
static cl::opt<std::string> gpuTile(
    "gpu-tile", cl::cat(toolOptions),
    cl::desc("GPU targets: tiles of matrix products and convolutions, "
             "RxCxD[xTRxTC][:W] (rows x columns per workgroup x reduction "
             "steps, outputs per thread; W: workgroups a launch should "
             "have, smaller tiles and split reductions until it has), or "
             "none (one thread per output); default: the GPU target "
             "description's tiles, W twice its SMs (--target-description, "
             "else the chip's preset on nvptx, the vulkan preset on "
             "vulkan)"),
    cl::value_desc("tile"));
static cl::opt<unsigned> optLevel("opt-level", cl::cat(toolOptions),
                                  cl::desc("LLVM optimization level (0-3)"),
                                  cl::init(3));
static cl::opt<std::string> entryPoint(
    "entry-point", cl::cat(toolOptions),
    cl::desc("Name of the entry point (_mlir_ciface_<name>); default "
             "main_graph"),
    cl::init("main_graph"));
static cl::opt<bool>
    fuseElementwise("fuse-elementwise", cl::cat(toolOptions),
                    cl::desc("Fuse element-wise linalg ops (default on)"),
                    cl::init(true));
static cl::opt<bool> fuse(
    "fuse", cl::cat(toolOptions),
    cl::desc(
        "Fuse at graph level: fold BatchNormalization, scales and "
        "transposes into contractions, recognize layer norms and "
        "GELUs, fuse epilogues; the CPU kernels take bias, residual and clamp "
        "epilogues in (default on; --fuse=false turns all of it "
        "off: the unfused baseline)"),
    cl::init(true));
static cl::opt<bool> fuseAttention(
    "fuse-attention", cl::cat(toolOptions),
    cl::desc("Recognize attention blocks as fulcrum.attention and run "
             "them on the fused kernel (default on, with --fuse)"),
    cl::init(true));
static cl::opt<std::string> attentionPrecision(
    "attention-precision", cl::cat(toolOptions),
    cl::desc("Precision of attention's score and value products: fp32 "
             "(default) or bf16 (operands rounded to bf16, f32 "
             "accumulation; vdpbf16ps on AVX512-BF16 hosts)"),
    cl::init("fp32"));
static cl::opt<int64_t> attentionKeyTile(
    "attention-key-tile", cl::cat(toolOptions),
    cl::desc("Keys per tile of the fused attention kernel (default 0: "
             "the cost model's choice between the direct form and tiles)"),
    cl::init(0));
static cl::opt<int64_t> attentionWindow(
    "attention-window", cl::cat(toolOptions),
    cl::desc("Local attention: queries attend to keys at most W "
             "positions away, except global tokens (default 0: off)"),
    cl::init(0));
static cl::opt<int64_t> attentionGlobalTokens(
    "attention-global-tokens", cl::cat(toolOptions),
    cl::desc("With --attention-window: the first N tokens (a class "
             "token) attend and are attended everywhere (default 1)"),
    cl::init(1));
static cl::opt<bool> fusionRemarks(
    "fusion-remarks", cl::cat(toolOptions),
    cl::desc("Report each fusion decision, with its reason, as a remark"),
    cl::init(false));
static cl::opt<bool> winograd(
    "winograd", cl::cat(toolOptions),
    cl::desc("Run channels-last 3x3 convolutions at stride 1 with at least "
             "16 input and output channels as Winograd F(2x2, 3x3) (default "
             "on; --winograd=false runs them as direct convolutions)"),
    cl::init(true));
static cl::opt<bool> channelsLast(
    "channels-last", cl::cat(toolOptions),
    cl::desc("Run convolutions, pooling and their neighbours on NHWC tensors "
             "(default on; --channels-last=false keeps NCHW)"),
    cl::init(true));
static cl::opt<bool> tileBatch(
    "tile-batch", cl::cat(toolOptions),
    cl::desc("Run a model whose batch is dynamic and whose images are "
             "independent in chunks of images that fit the cache, the "
             "threads sharing the batch (default on)"),
    cl::init(true));
static cl::opt<uint64_t> tileBatchCacheBytes(
    "tile-batch-cache-bytes", cl::cat(toolOptions),
    cl::desc("the last-level cache bytes batch chunks are sized for "
             "(half holds a chunk's working set; default: the target "
             "description's)"),
    cl::init(0));

static cl::opt<double>
    prune("prune", cl::cat(toolOptions),
          cl::desc("Structured pruning: remove this fraction of the MACs "
                   "(0-1), e.g. --prune=0.4"),
          cl::value_desc("fraction"));
static cl::opt<double> pruneLatency(
    "prune-latency", cl::cat(toolOptions),
    cl::desc("Structured pruning until the cost model predicts this "
             "latency"),
    cl::value_desc("ms"));
static cl::opt<std::string> pruneCriterion(
    "prune-criterion", cl::cat(toolOptions),
    cl::desc("Channel importance for pruning: l1 (default), l2, bn, "
             "activation"),
    cl::init("l1"));
static cl::opt<std::string> pruneHeadMetric(
    "prune-head-metric", cl::cat(toolOptions),
    cl::desc("How --prune-criterion=activation measures a head's effect on "
             "the outputs: kl (KL divergence of their softmax over the last "
             "axis, the outputs read as class scores; default) or mse"),
    cl::init("kl"));
static cl::opt<bool> noReconstruct(
    "no-reconstruct", cl::cat(toolOptions),
    cl::desc("Prune without refitting the consumers by least squares (only "
             "compensate their biases)"));
static cl::opt<std::string> pruneAllocation(
    "prune-allocation", cl::cat(toolOptions),
    cl::desc("Per-group pruning ratios: cost (least importance per "
             "predicted second saved, default) or uniform"),
    cl::init("cost"));
static cl::opt<double> attentionHeadsKeep(
    "attention-heads-keep", cl::cat(toolOptions),
    cl::desc("Head pruning: keep this fraction of each attention block's "
             "heads, the least important removed (e.g. 0.75; the pruning "
             "options apply)"),
    cl::value_desc("fraction"));
static cl::opt<bool>
    pruneReport("prune-report", cl::cat(toolOptions),
                cl::desc("Print how many units each pruned group keeps"));

// The trade-off search (fulcrum/Search/Search.h, docs/Search.md).
static cl::opt<double> accuracyBudget(
    "accuracy-budget", cl::cat(toolOptions),
    cl::desc("Search for the fastest model losing at most this many "
             "percentage points of --metric on held-out --eval-data"),
    cl::value_desc("pp"), cl::init(-1));
static cl::opt<double> latencyBudget(
    "latency-budget", cl::cat(toolOptions),
    cl::desc("Search for the most accurate model running within this "
             "latency (measured)"),
    cl::value_desc("ms"), cl::init(0));
static cl::opt<double>
    sizeBudget("size-budget", cl::cat(toolOptions),
               cl::desc("Search for the most accurate model whose weights "
                        "fit in this size"),
               cl::value_desc("MB"), cl::init(0));
static cl::opt<std::string>
    evalData("eval-data", cl::cat(toolOptions),
             cl::desc("The search's evaluation images (.npy, [N, ...])"),
             cl::value_desc("file"));
static cl::opt<std::string> labelsPath(
    "labels", cl::cat(toolOptions),
    cl::desc("Labels of --eval-data (.npy of N integers); without them the "
             "search measures fidelity to the original model"),
    cl::value_desc("file"));
static cl::opt<std::string>
    searchMetric("metric", cl::cat(toolOptions),
                 cl::desc("What the accuracy budget is measured in: top1 "
                          "(default), top5, f1"),
                 cl::init("top1"));
static cl::opt<std::string>
    reportDir("report-dir", cl::cat(toolOptions),
              cl::desc("Where the search writes frontier.json and "
                       "report.html"),
              cl::value_desc("dir"));
static cl::opt<uint64_t>
    searchSeed("seed", cl::cat(toolOptions),
               cl::desc("Seed of the search's split of --eval-data"),
               cl::init(0));
static cl::opt<int64_t>
    evalCount("eval-count", cl::cat(toolOptions),
              cl::desc("Use the first N samples of --eval-data (default: all)"),
              cl::init(0));
static cl::opt<double>
    heldOut("held-out", cl::cat(toolOptions),
            cl::desc("Share of --eval-data held out for the budget check "
                     "(default 0.5)"),
            cl::init(0.5));
static cl::opt<double> latencyTolerance(
    "latency-tolerance", cl::cat(toolOptions),
    cl::desc("Measured latencies within this fraction of each other are the "
             "same to the search (timing noise); the refine step, the "
             "frontier and the choice then go by the cost model's prediction "
             "(default 0.05)"),
    cl::init(0.05));
static cl::list<std::string> searchPrune(
    "search-prune", cl::cat(toolOptions),
    cl::desc("Pruning ratios the search tries (default 0.1,0.2,0.3,0.5; "
             "none: no pruning)"),
    cl::CommaSeparated);
static cl::list<std::string> searchHeads(
    "search-heads", cl::cat(toolOptions),
    cl::desc("Fractions of the attention heads kept that the search tries "
             "on models with attention (default 0.75; none: no head "
             "pruning)"),
    cl::CommaSeparated);

static cl::opt<std::string> emitPlan(
    "emit-plan", cl::cat(toolOptions),
    cl::desc("Write the search's independent evaluations as a Ninja file "
             "(one build step each) instead of running them"),
    cl::value_desc("plan.ninja"));
static cl::opt<std::string> collectDir(
    "collect", cl::cat(toolOptions),
    cl::desc("Run the search with the results a --emit-plan run left in "
             "this report directory (the same as --report-dir)"),
    cl::value_desc("dir"));
static cl::opt<int64_t> searchPoint(
    "search-point", cl::cat(toolOptions),
    cl::desc("Evaluate one step of an --emit-plan plan into the cache"),
    cl::init(-1), cl::Hidden);

static cl::opt<uint64_t> maxCompileMemory(
    "max-compile-memory", cl::cat(toolOptions),
    cl::desc("Fail with an error, instead of running out of memory, when "
             "the compile needs more than this many MiB of resident memory "
             "(checked before compiling from the model's constants, and "
             "sampled while compiling; 0: no limit)"),
    cl::value_desc("MiB"), cl::init(0));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "Fulcrum ahead-of-time compiler\n");

  const char *tool = "fulcrum-compile";
  mlir::DialectRegistry registry;
  fulcrum::registerDriverDialects(registry);
  if (listTargets) {
    for (const fulcrum::TargetBackend *backend : fulcrum::getTargetBackends())
      outs() << format("  %-8s ", backend->getName().str().c_str())
             << backend->getDescription() << "\n";
    return 0;
  }
  if (inputPath.empty())
    return fulcrum::printError(tool, "no input model given"), 1;
  if (outputPath.empty() && !printCost)
    return fulcrum::printError(tool, "no output given (-o FILE)"), 1;
  auto phase = fulcrum::parseCompilePhase(compileTo);
  if (!phase)
    return fulcrum::printError(tool, "unknown --compile-to '" + compileTo +
                                         "' (import, graph, linalg, codegen)"),
           1;
  std::optional<fulcrum::ArtifactKind> kind;
  if (!outputPath.empty())
    kind = fulcrum::getArtifactKindForPath(outputPath);
  if (kind && *kind != fulcrum::ArtifactKind::MLIR &&
      *phase != fulcrum::CompilePhase::Codegen)
    return fulcrum::printError(tool, "--compile-to=" + compileTo +
                                         " needs a .mlir output"),
           1;
  auto method = fulcrum::quant::parseCalibrationMethod(calibrationMethod);
  if (!quantize.empty() && quantize != "int8")
    return fulcrum::printError(tool, "unsupported --quantize=" + quantize +
                                         " (int8)"),
           1;
  if (!quantize.empty() && calibrationData.empty())
    return fulcrum::printError(tool,
                               "--quantize=int8 needs --calibration-data"),
           1;
  bool pruning = prune.getNumOccurrences() ||
                 pruneLatency.getNumOccurrences() ||
                 attentionHeadsKeep.getNumOccurrences();
  bool searching = accuracyBudget.getNumOccurrences() ||
                   latencyBudget.getNumOccurrences() ||
                   sizeBudget.getNumOccurrences();
  if (!collectDir.empty()) {
    if (!reportDir.empty() && reportDir != collectDir)
      return fulcrum::printError(tool, "--collect and --report-dir name "
                                       "different directories"),
             1;
    reportDir = collectDir.getValue();
  }
  if (!searching && (!evalData.empty() || !labelsPath.empty() ||
                     !reportDir.empty() || !emitPlan.empty()))
    return fulcrum::printError(tool, "--eval-data, --labels, --report-dir, "
                                     "--collect and --emit-plan need a search "
                                     "budget (--accuracy-budget, "
                                     "--latency-budget or --size-budget)"),
           1;
  if (searching && (pruning || !quantize.empty()))
    return fulcrum::printError(tool, "the search chooses quantization and "
                                     "pruning itself: drop --quantize and "
                                     "--prune"),
           1;
  if (quantize.empty() && !pruning && !searching && target != "nir" &&
      (!calibrationData.empty() || calibrationCount.getNumOccurrences()))
    return fulcrum::printError(tool, "--calibration-data and "
                                     "--calibration-count need --quantize, "
                                     "--prune or --target=nir"),
           1;
  if (quantize.empty() && !searching && reduceRange.getNumOccurrences())
    return fulcrum::printError(tool, "--reduce-range needs --quantize"), 1;
  if (quantize.empty() && !searching && calibrationMethod.getNumOccurrences())
    return fulcrum::printError(tool, "--calibration-method needs --quantize"),
           1;
  if (!method)
    return fulcrum::printError(tool, "unknown --calibration-method '" +
                                         calibrationMethod +
                                         "' (minmax, percentile, entropy, "
                                         "mse)"),
           1;
  if (calibrationCount < 0 || !(calibrationPercentile > 0) ||
      calibrationPercentile > 100)
    return fulcrum::printError(tool, "--calibration-count must be at least 0 "
                                     "and --calibration-percentile in (0, "
                                     "100]"),
           1;
  if (optLevel > 3)
    return fulcrum::printError(tool, "--opt-level must be 0-3"), 1;
  if (attentionHeadsKeep.getNumOccurrences() &&
      !(attentionHeadsKeep > 0 && attentionHeadsKeep <= 1))
    return fulcrum::printError(tool, "--attention-heads-keep must be a "
                                     "fraction of the heads in (0, 1], e.g. "
                                     "--attention-heads-keep=0.75"),
           1;
  fulcrum::prune::PruneOptions pruneOptions;
  if (pruning) {
    pruneOptions.macReduction = prune;
    pruneOptions.latencyMs = pruneLatency;
    pruneOptions.headsKeep = attentionHeadsKeep;
    pruneOptions.reconstruct = !noReconstruct;
    pruneOptions.calibrationData = calibrationData;
    // Pruning reads at most 500 samples unless --calibration-count says.
    pruneOptions.maxSamples = calibrationCount > 0 ? calibrationCount : 500;
    pruneOptions.uniform = pruneAllocation == "uniform";
    pruneOptions.threads = costThreads;
    pruneOptions.report = pruneReport;
    auto criterion = fulcrum::prune::parseCriterion(pruneCriterion);
    if (!criterion)
      return fulcrum::printError(tool, "unknown --prune-criterion '" +
                                           pruneCriterion +
                                           "' (l1, l2, bn, activation)"),
             1;
    pruneOptions.criterion = *criterion;
    if (pruneHeadMetric != "kl" && pruneHeadMetric != "mse")
      return fulcrum::printError(tool, "unknown --prune-head-metric '" +
                                           pruneHeadMetric + "' (kl, mse)"),
             1;
    pruneOptions.headMetric = pruneHeadMetric == "kl"
                                  ? fulcrum::prune::OutputChange::KL
                                  : fulcrum::prune::OutputChange::MSE;
    if (pruneAllocation != "cost" && pruneAllocation != "uniform")
      return fulcrum::printError(tool, "unknown --prune-allocation '" +
                                           pruneAllocation +
                                           "' (cost, uniform)"),
             1;
    std::string problem = fulcrum::prune::validatePruneOptions(pruneOptions);
    if (!problem.empty())
      return fulcrum::printError(tool, problem), 1;
  }

  fulcrum::CompileOptions options;
  options.target = target;
  options.targetOptions.cpu = targetCpu;
  options.targetOptions.optLevel = optLevel;
  options.targetOptions.gpuChip = gpuChip;
  options.targetOptions.gpuTile = gpuTile;
  options.pipeline.entryPoint = entryPoint;
  options.pipeline.fuseElementwise = fuseElementwise;
  options.pipeline.channelsLast = channelsLast;
  options.pipeline.winograd = winograd;
  options.pipeline.tileBatch = tileBatch;
  options.pipeline.cacheBytes = static_cast<int64_t>(tileBatchCacheBytes);
  options.pipeline.fuse = fuse;
  options.pipeline.fusionRemarks = fusionRemarks;
  options.pipeline.fuseAttention = fuseAttention;
  options.pipeline.attentionWindow = attentionWindow;
  options.pipeline.attentionKeyTile = attentionKeyTile;
  options.pipeline.attentionPrecision = attentionPrecision;
  options.pipeline.attentionGlobalTokens = attentionGlobalTokens;
  options.targetOptions.calibrationData = calibrationData;
  // The nir target balances thresholds at the 99.9th percentile unless told.
  options.targetOptions.calibrationPercentile =
      calibrationPercentile.getNumOccurrences() ? calibrationPercentile : 99.9;
  options.targetOptions.snnWeightBits = snnWeightBits;
  options.targetOptions.snnMaxPool = snnMaxPool;
  options.targetOptions.snnChannelThresholds = !snnLayerThresholds;
  options.targetOptions.snnNeuron = snnNeuron;
  options.targetOptions.snnLifTau = snnLifTau;
  for (const std::string &spec : inputShapes) {
    auto shape = fulcrum::parseInputShape(spec);
    if (!shape)
      return fulcrum::reportError(tool, shape.takeError());
    options.inputShapes.push_back(std::move(*shape));
  }

  auto description = fulcrum::cost::resolveTargetDescription(
      targetDescription, options, targetCpu.getNumOccurrences() > 0);
  if (!description)
    return fulcrum::reportError(targetDescription.empty()
                                    ? StringRef(tool)
                                    : StringRef(targetDescription),
                                description.takeError());
  // A CPU description also prices code generation's kernel choices.
  if (!targetDescription.empty() && description->kind == "cpu")
    options.pipeline.targetDescription = targetDescription;
  // A GPU description also shapes the GPU targets' kernels (which reject
  // a description of another kind).
  if (!targetDescription.empty() &&
      (description->kind == "gpu" || options.target == "vulkan" ||
       options.target == "nvptx"))
    options.targetOptions.gpuDescription = targetDescription;
  // Pricing alone needs no code generation backend (GPU and neuromorphic
  // descriptions have none yet): the graph phase is the same for all.
  if (outputPath.empty() && !fulcrum::lookupTargetBackend(options.target))
    options.target = "cpu";
  // Weights in 7 bits where the 8-bit kernels are AVX2's, unless told
  // (the CPU as the target description resolved it).
  unsigned weightBits = 8;
  if (reduceRange.getNumOccurrences())
    weightBits = reduceRange ? 7 : 8;
  else if (options.target == "cpu")
    weightBits = fulcrum::getDefaultQuantizedWeightBits(options.targetOptions);
  bool defaultReduceRange =
      weightBits == 7 && !reduceRange.getNumOccurrences();
  // Fusion asks the cost model of the target description; --print-cost
  // lists its decisions.
  auto fusionLog = std::make_shared<fulcrum::cost::FusionLog>();
  fulcrum::cost::CostOptions fusionCost;
  fusionCost.threads = costThreads;
  fusionCost.dynamicSize = costBatch;
  options.pipeline.fusionPolicy =
      fulcrum::cost::getCostFusionPolicy(*description, fusionCost, fusionLog);

  mlir::MLIRContext context(registry);
  if (searching) {
    fulcrum::search::SearchOptions so;
    so.modelPath = inputPath;
    so.accuracyBudget = accuracyBudget;
    so.latencyBudgetMs = latencyBudget;
    so.sizeBudgetMB = sizeBudget;
    so.calibrationData = calibrationData;
    so.calibrationCount = calibrationCount;
    so.calibrationMethod = *method;
    so.weightBits = weightBits;
    so.evalData = evalData;
    so.labels = labelsPath;
    so.evalCount = evalCount;
    so.heldOutFraction = heldOut;
    so.latencyTolerance = latencyTolerance;
    so.seed = searchSeed;
    so.reportDir = reportDir;
    so.outputPath = outputPath;
    so.latencyThreads = costThreads;
    so.emitPlan = emitPlan;
    so.searchPoint = searchPoint;
    if (!emitPlan.empty()) {
      // The workers run this very command, without --emit-plan.
      so.command.push_back(sys::fs::getMainExecutable(argv[0], (void *)&main));
      for (int i = 1; i < argc; ++i) {
        StringRef arg = argv[i];
        if (arg == "--emit-plan" || arg == "-emit-plan") {
          ++i;
          continue;
        }
        if (arg.starts_with("--emit-plan=") || arg.starts_with("-emit-plan="))
          continue;
        so.command.push_back(arg.str());
      }
    }
    // A list of numbers ('none' alone: empty) replaces the default.
    auto readNumbers = [&](const cl::list<std::string> &list, StringRef flag,
                           StringRef what, std::vector<double> &out) {
      if (!list.getNumOccurrences())
        return true;
      out.clear();
      for (const std::string &word : list) {
        double value = 0;
        if (word == "none")
          continue;
        if (StringRef(word).getAsDouble(value)) {
          fulcrum::printError(
              tool, ("--" + flag + ": '" + word + "' is not a " + what).str());
          return false;
        }
        out.push_back(value);
      }
      return true;
    };
    if (!readNumbers(searchPrune, "search-prune", "ratio", so.pruneRatios) ||
        !readNumbers(searchHeads, "search-heads", "fraction",
                     so.attentionHeadsKeep))
      return 1;
    auto m = fulcrum::search::parseMetric(searchMetric);
    if (!m)
      return fulcrum::printError(tool, "unknown --metric '" + searchMetric +
                                           "' (top1, top5, f1)"),
             1;
    so.metric = *m;
    std::string problem = fulcrum::search::validateSearchOptions(so);
    if (!problem.empty())
      return fulcrum::printError(tool, problem), 1;
    // The kernels' OpenMP threads (read when the first model starts them):
    // a timed call runs on --cost-threads threads, as the cost model prices
    // it (fulcrum-run --threads does the same).
    ::setenv("OMP_NUM_THREADS", std::to_string(costThreads).c_str(),
             /*overwrite=*/1);
    auto result =
        fulcrum::search::runSearch(context, options, *description, so, outs());
    if (!result)
      return fulcrum::reportError(inputPath, result.takeError());
    return 0;
  }
  fulcrum::CompileSession session(context, options);
  if (Error err = session.validate())
    return fulcrum::reportError(tool, std::move(err));
  if (!outputPath.empty() && !kind)
    return fulcrum::reportError(tool, session.writeArtifact(outputPath));
  std::optional<fulcrum::MemoryLimit> memoryLimit;
  if (maxCompileMemory) {
    memoryLimit.emplace(maxCompileMemory << 20, inputPath);
    memoryLimit->setPhase("importing the model");
  }
  if (failed(session.loadFile(inputPath)))
    return 1;
  if (memoryLimit) {
    if (Error err = memoryLimit->checkConstants(session.getModule()))
      return fulcrum::reportError(inputPath, std::move(err));
    memoryLimit->setPhase("compiling");
  }
  if (pruning && failed(fulcrum::prune::pruneModel(session, *description,
                                                   pruneOptions, outs())))
    return 1;
  if (!quantize.empty()) {
    fulcrum::quant::QuantizeOptions q;
    q.calibration.method = *method;
    q.calibration.percentile = calibrationPercentile;
    q.count = calibrationCount;
    q.keepFloat.assign(keepFloat.begin(), keepFloat.end());
    q.quantizeAttention = quantizeAttention;
    q.weightBits = weightBits;
    if (!session.getSignature())
      return fulcrum::printError(inputPath, "cannot quantize: the entry point "
                                            "has inputs without a C type"),
             1;
    auto inputs = fulcrum::quant::readCalibrationData(
        calibrationData, *session.getSignature(), calibrationCount);
    if (!inputs)
      return fulcrum::reportError(calibrationData, inputs.takeError());
    auto report = fulcrum::quant::quantizeModel(session, *inputs, q);
    if (!report)
      return fulcrum::reportError(inputPath, report.takeError());
    outs() << "quantized " << report->quantized << " of "
           << report->contractions << " contractions to int8 ("
           << calibrationMethod << " calibration on " << report->samples
           << " samples" << (weightBits == 7 ? ", 7-bit weights" : "")
           << ")\n";
    if (defaultReduceRange)
      outs() << "note: 7-bit weights: the target's 8-bit kernels are "
                "AVX2's, and 8-bit weights can saturate its vpmaddubsw "
                "(--reduce-range=false keeps them, on an exact path at about "
                "half the speed)\n";
    if (!report->attentionNames.empty())
      outs() << "kept the " << report->attentionNames.size()
             << " products of fused attention blocks in fp32 "
                "(--quantize-attention quantizes them)\n";
    if (quantizeReport)
      for (const std::string &line : report->layers)
        outs() << "  " << line << "\n";
  }
  if (printCost) {
    fulcrum::cost::CostOptions costOptions;
    costOptions.threads = costThreads;
    costOptions.dynamicSize = costBatch;
    if (failed(fulcrum::cost::printModelCost(session, *description, costOptions,
                                             outs())))
      return 1;
    fulcrum::cost::printFusionLog(outs(), *fusionLog);
    if (outputPath.empty())
      return 0;
  }
  if (!emitOnnx.empty())
    if (Error err = session.writeONNX(emitOnnx))
      return fulcrum::reportError(emitOnnx, std::move(err));
  if (!headerPath.empty())
    if (Error err = session.writeHeader(headerPath))
      return fulcrum::reportError(inputPath, std::move(err));
  if (failed(session.runTo(*phase)))
    return 1;
  if (memoryLimit)
    memoryLimit->setPhase("writing the artifact");
  if (Error err = session.writeArtifact(outputPath, *kind))
    return fulcrum::reportError(inputPath, std::move(err));
  memoryLimit.reset();
  if (!depfilePath.empty()) {
    // A target description read from a file is an input too (a preset
    // name is not a file).
    std::vector<std::string> extra;
    if (!targetDescription.empty() &&
        llvm::sys::fs::is_regular_file(targetDescription))
      extra.push_back(targetDescription);
    if (!calibrationData.empty())
      extra.push_back(calibrationData);
    if (Error err = session.writeDepFile(depfilePath, outputPath, extra))
      return fulcrum::reportError(depfilePath, std::move(err));
  }
  fulcrum::printPassStatisticsIfEnabled();
  return 0;
}
