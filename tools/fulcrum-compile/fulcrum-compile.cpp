//===- fulcrum-compile.cpp - Compile an ONNX model ahead of time ----------===//
//
// Part of Fulcrum. `fulcrum-compile model.onnx -o OUT`; the suffix of OUT
// picks the artifact: .mlir (after --compile-to), .ll, .o, .a, .so.
// `--header model.h` writes the C header of the entry point; `--depfile
// out.d` a Make/Ninja depfile of the inputs read. Options only:
// the compile itself is the driver's (fulcrum/Driver/Driver.h).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Profiler.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Output: .o .a .so .ll .mlir (- is MLIR on "
                        "stdout)"),
               cl::value_desc("file"));
static cl::opt<std::string>
    compileTo("compile-to",
              cl::desc("Stop after a phase (with -o X.mlir): import, graph, "
                       "linalg, codegen"),
              cl::init("codegen"));
static cl::opt<std::string> headerPath("header",
                                       cl::desc("Write the C header here"),
                                       cl::value_desc("file"));
static cl::opt<std::string>
    depfilePath("depfile",
                cl::desc("Write a Make/Ninja depfile: the output depends on "
                         "the model and its external-data files"),
                cl::value_desc("file"));
static cl::opt<std::string>
    quantize("quantize",
             cl::desc("Quantize the model (not supported yet: an error)"),
             cl::value_desc("scheme"));
static cl::opt<std::string>
    calibrationData("calibration-data",
                    cl::desc("Calibration inputs for --quantize (.npy/.npz)"),
                    cl::value_desc("file"));
static cl::opt<double> calibrationPercentile(
    "calibration-percentile",
    cl::desc("--target=nir: the activation percentile that sets each "
             "layer's threshold (default 99.9)"),
    cl::init(99.9));
static cl::opt<unsigned> snnWeightBits(
    "snn-weight-bits",
    cl::desc("--target=nir: round weights to this many bits (0: keep f32)"),
    cl::init(0));
static cl::opt<std::string>
    target("target",
           cl::desc("Target (see --list-targets), or a target description "
                    "preset (x86-64-v3, x86-64-v4, sm_80, sm_90, loihi2)"),
           cl::init("cpu"));
static cl::opt<std::string> targetDescription(
    "target-description",
    cl::desc("The cost model's target description: a preset name or a JSON "
             "file (fulcrum-calibrate writes one)"),
    cl::value_desc("name|file"));
static cl::opt<bool> printCost(
    "print-cost",
    cl::desc("Print the cost model's per-layer predictions and total (after "
             "the graph phase; -o is then optional)"));
static cl::opt<unsigned>
    costThreads("cost-threads",
                cl::desc("Threads a call runs on, for --print-cost"),
                cl::init(1));
static cl::opt<bool> listTargets("list-targets",
                                 cl::desc("Print the registered targets"));
static cl::opt<std::string>
    targetCpu("target-cpu",
              cl::desc("CPU: native (the host's CPU and features), x86-64, "
                       "x86-64-v3, x86-64-v4, or an LLVM CPU name"),
              cl::init("native"));
static cl::alias mcpu("mcpu", cl::desc("Alias of --target-cpu"),
                      cl::aliasopt(targetCpu));
static cl::opt<unsigned> optLevel("opt-level",
                                  cl::desc("LLVM optimization level (0-3)"),
                                  cl::init(3));
static cl::opt<std::string> entryPoint(
    "entry-point",
    cl::desc("Name of the entry point (_mlir_ciface_<name>); default "
             "main_graph"),
    cl::init("main_graph"));
static cl::opt<bool>
    fuseElementwise("fuse-elementwise",
                    cl::desc("Fuse element-wise linalg ops (default on)"),
                    cl::init(true));
static cl::opt<bool>
    fuse("fuse",
         cl::desc("Fuse at graph level: fold BatchNormalization, scales and "
                  "transposes into contractions, recognize layer norms and "
                  "GELUs, fuse epilogues (default on; --fuse=false turns it "
                  "off)"),
         cl::init(true));
static cl::opt<bool> fusionRemarks(
    "fusion-remarks",
    cl::desc("Report each fusion decision, with its reason, as a remark"),
    cl::init(false));
static cl::opt<bool> channelsLast(
    "channels-last",
    cl::desc("Run convolutions, pooling and their neighbours on NHWC tensors "
             "(default on; --channels-last=false keeps NCHW)"),
    cl::init(true));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
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
  if (!quantize.empty() || (!calibrationData.empty() && target != "nir"))
    return fulcrum::printError(
               tool,
               "quantization is not supported yet (--quantize" +
                   (quantize.empty() ? "" : "=" + quantize) +
                   (calibrationData.empty() ? "" : ", --calibration-data") +
                   ")"),
           1;
  if (optLevel > 3)
    return fulcrum::printError(tool, "--opt-level must be 0-3"), 1;

  fulcrum::CompileOptions options;
  options.target = target;
  options.targetOptions.cpu = targetCpu;
  options.targetOptions.optLevel = optLevel;
  options.pipeline.entryPoint = entryPoint;
  options.pipeline.fuseElementwise = fuseElementwise;
  options.pipeline.channelsLast = channelsLast;
  options.pipeline.fuse = fuse;
  options.pipeline.fusionRemarks = fusionRemarks;
  options.targetOptions.calibrationData = calibrationData;
  options.targetOptions.calibrationPercentile = calibrationPercentile;
  options.targetOptions.snnWeightBits = snnWeightBits;

  auto description = fulcrum::cost::resolveTargetDescription(
      targetDescription, options, targetCpu.getNumOccurrences() > 0);
  if (!description)
    return fulcrum::reportError(targetDescription.empty()
                                    ? StringRef(tool)
                                    : StringRef(targetDescription),
                                description.takeError());
  // Pricing alone needs no code generation backend (GPU and neuromorphic
  // descriptions have none yet): the graph phase is the same for all.
  if (outputPath.empty() && !fulcrum::lookupTargetBackend(options.target))
    options.target = "cpu";

  mlir::MLIRContext context(registry);
  fulcrum::CompileSession session(context, options);
  if (Error err = session.validate())
    return fulcrum::reportError(tool, std::move(err));
  if (!outputPath.empty() && !kind)
    return fulcrum::reportError(tool, session.writeArtifact(outputPath));
  if (failed(session.loadFile(inputPath)))
    return 1;
  if (printCost) {
    fulcrum::cost::CostOptions costOptions;
    costOptions.threads = costThreads;
    if (failed(fulcrum::cost::printModelCost(session, *description, costOptions,
                                             outs())))
      return 1;
    if (outputPath.empty())
      return 0;
  }
  if (!headerPath.empty())
    if (Error err = session.writeHeader(headerPath))
      return fulcrum::reportError(inputPath, std::move(err));
  if (failed(session.runTo(*phase)))
    return 1;
  if (Error err = session.writeArtifact(outputPath, *kind))
    return fulcrum::reportError(inputPath, std::move(err));
  if (!depfilePath.empty()) {
    // A target description read from a file is an input too (a preset
    // name is not a file).
    std::vector<std::string> extra;
    if (!targetDescription.empty() &&
        llvm::sys::fs::is_regular_file(targetDescription))
      extra.push_back(targetDescription);
    if (Error err = session.writeDepFile(depfilePath, outputPath, extra))
      return fulcrum::reportError(depfilePath, std::move(err));
  }
  fulcrum::printPassStatisticsIfEnabled();
  return 0;
}
