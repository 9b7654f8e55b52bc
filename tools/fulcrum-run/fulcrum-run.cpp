//===- fulcrum-run.cpp - Run a model on inputs and check its outputs ------===//
//
// Part of Fulcrum. JIT-compiles an ONNX model (or onnx-dialect MLIR), or
// loads a shared library from fulcrum-compile, and
// runs it on input files (.pb TensorProto, .npy, .npz), on an ONNX backend
// test directory (--test-data), comparing the outputs with the expected
// ones, or on a labelled image array (--eval-data), printing top-1 accuracy.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Profiler.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Execution/Evaluate.h"

#include "fulcrum/Target/NIR/NIRTarget.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace llvm;

// The tool's own options: --help lists these, not LLVM's internal ones
// (they are still accepted, e.g. --mlir-timing, but not listed).
static cl::OptionCategory toolOptions("fulcrum-run options");

static cl::opt<std::string>
    modelPath(cl::Positional, cl::Required, cl::cat(toolOptions),
              cl::desc("<model.onnx|.onnxtxt|.mlir|.so from fulcrum-compile>"));
static cl::opt<std::string>
    entryPoint("entry-point", cl::cat(toolOptions),
               cl::desc("The entry point (of a .so: as given to "
                        "fulcrum-compile --entry-point)"),
               cl::init("main_graph"));
static cl::opt<std::string>
    targetCpu("target-cpu", cl::cat(toolOptions),
              cl::desc("CPU to JIT-compile for: native (default), x86-64, "
                       "x86-64-v3, x86-64-v4, ... (a .so keeps its own)"),
              cl::init("native"));
static cl::opt<std::string>
    target("target", cl::cat(toolOptions),
           cl::desc("Target to JIT-compile for: cpu (default), vulkan, "
                    "nvptx (a .so keeps its own)"),
           cl::init("cpu"));
static cl::opt<std::string>
    gpuChip("gpu-chip", cl::cat(toolOptions),
            cl::desc("GPU chip of --target=nvptx (sm_80, ...)"),
            cl::value_desc("chip"));
static cl::opt<std::string>
    gpuTile("gpu-tile", cl::cat(toolOptions),
            cl::desc("GPU targets: contraction tiles RxCxD[xTRxTC][:W] or none "
                     "(see fulcrum-compile --help)"),
            cl::value_desc("tile"));
static cl::list<std::string>
    inputPaths(cl::Positional, cl::cat(toolOptions),
               cl::desc("[input.pb|input.npy|inputs.npz ...]"));
static cl::opt<std::string>
    testData("test-data", cl::cat(toolOptions),
             cl::desc("ONNX backend test directory: run every "
                      "test_data_set_* and compare with output_*.pb"));
static cl::opt<double> relTol("rtol", cl::cat(toolOptions),
                              cl::desc("Relative tolerance"), cl::init(1e-3));
static cl::opt<double> absTol("atol", cl::cat(toolOptions),
                              cl::desc("Absolute tolerance"), cl::init(1e-7));
static cl::opt<std::string>
    outputDir("output-dir", cl::cat(toolOptions),
              cl::desc("Write each output to DIR/<name>.npy"));
static cl::opt<unsigned>
    bench("bench", cl::cat(toolOptions),
          cl::desc("Call the model N times and print the median, minimum and "
                   "90th-percentile latency of the call alone, and the "
                   "throughput"),
          cl::init(0));
static cl::opt<std::string> benchJson(
    "bench-json", cl::cat(toolOptions),
    cl::desc("With --bench: also write every timed call's latency and the "
             "summary as JSON (calls_ms, median_ms, min_ms, p90_ms, runs, "
             "threads)"),
    cl::value_desc("file"));
static cl::opt<unsigned> warmup("warmup", cl::cat(toolOptions),
                                cl::desc("Untimed runs before --bench"),
                                cl::init(1));

// libLLVM already registers an option named "threads" (for its linker), so
// ours is --num-threads and main() maps --threads onto it.
static cl::opt<unsigned> threads(
    "num-threads", cl::cat(toolOptions),
    cl::desc("(also --threads) Threads inside each call of the model: the "
             "kernels' OpenMP threads (sets OMP_NUM_THREADS; more than one "
             "are bound to cores, OMP_PROC_BIND=true, unless the "
             "environment sets a binding)"),
    cl::init(1));
static cl::opt<unsigned> batchThreads(
    "batch-threads", cl::cat(toolOptions),
    cl::desc("Split the batch of a model with a dynamic first dimension (and "
             "--eval-data batches) across N concurrent calls"),
    cl::init(1));
static cl::opt<std::string>
    evalData("eval-data", cl::cat(toolOptions),
             cl::desc("Evaluate a classifier on an .npy image array [N, ...] "
                      "(float32, e.g. NCHW) and print its top-1 accuracy"));
static cl::opt<std::string>
    labelsPath("labels", cl::cat(toolOptions),
               cl::desc("Labels for --eval-data: .npy of N int64, "
                        "int32 or uint8 class indices"));
static cl::opt<int64_t>
    batchSize("batch", cl::cat(toolOptions),
              cl::desc("Images per run with --eval-data when the model's batch "
                       "dimension is dynamic (default 64; a static batch "
                       "dimension decides by itself)"),
              cl::init(64));
static cl::opt<std::string>
    referenceModel("reference", cl::cat(toolOptions),
                   cl::desc("With --eval-data: also run this model and print "
                            "how often the two models predict the same class"));

static cl::opt<std::string>
    predictionsPath("predictions", cl::cat(toolOptions),
                    cl::desc("With --eval-data: write the predicted classes "
                             "as an int64 .npy file"));

static cl::opt<bool> fuse(
    "fuse", cl::cat(toolOptions),
    cl::desc(
        "When compiling: Fuse at graph level: fold "
        "BatchNormalization, scales and "
        "transposes into contractions, recognize layer norms and "
        "GELUs, fuse epilogues; the CPU kernels take bias, residual and clamp "
        "epilogues in (default on; --fuse=false turns all of it "
        "off: the unfused baseline)"),
    cl::init(true));
static cl::opt<bool> fuseAttention(
    "fuse-attention", cl::cat(toolOptions),
    cl::desc("When compiling: Recognize attention blocks as fulcrum.attention "
             "and run "
             "them on the fused kernel (default on, with --fuse)"),
    cl::init(true));
static cl::opt<std::string> attentionPrecision(
    "attention-precision", cl::cat(toolOptions),
    cl::desc("When compiling: Precision of attention's score and value "
             "products: fp32 "
             "(default) or bf16 (operands rounded to bf16, f32 "
             "accumulation; vdpbf16ps on AVX512-BF16 hosts)"),
    cl::init("fp32"));
static cl::opt<int64_t> attentionKeyTile(
    "attention-key-tile", cl::cat(toolOptions),
    cl::desc("When compiling: keys per tile of the fused attention kernel "
             "(default 0: the cost model's choice between the direct form "
             "and tiles)"),
    cl::init(0));
static cl::opt<int64_t> attentionWindow(
    "attention-window", cl::cat(toolOptions),
    cl::desc(
        "When compiling: Local attention: queries attend to keys at most W "
        "positions away, except global tokens (default 0: off)"),
    cl::init(0));
static cl::opt<int64_t> attentionGlobalTokens(
    "attention-global-tokens", cl::cat(toolOptions),
    cl::desc(
        "When compiling: With --attention-window: the first N tokens (a class "
        "token) attend and are attended everywhere (default 1)"),
    cl::init(1));
static cl::opt<bool>
    fusionRemarks("fusion-remarks", cl::cat(toolOptions),
                  cl::desc("When compiling: Report each fusion decision, with "
                           "its reason, as a remark"),
                  cl::init(false));
static cl::opt<bool> winograd(
    "winograd", cl::cat(toolOptions),
    cl::desc("Run channels-last 3x3 convolutions at stride 1 with at least "
             "16 input and output channels as Winograd F(2x2, 3x3) (default "
             "on; --winograd=false runs them as direct convolutions)"),
    cl::init(true));
static cl::opt<bool> channelsLast(
    "channels-last", cl::cat(toolOptions),
    cl::desc("When compiling: run convolutions, pooling and their neighbours "
             "on NHWC tensors (default on)"),
    cl::init(true));
static cl::opt<bool> tileBatch(
    "tile-batch", cl::cat(toolOptions),
    cl::desc("When compiling: run a model whose batch is dynamic and whose "
             "images are independent in chunks of images that fit the "
             "cache, the threads sharing the batch (default on)"),
    cl::init(true));
static cl::opt<uint64_t> tileBatchCacheBytes(
    "tile-batch-cache-bytes", cl::cat(toolOptions),
    cl::desc(
        "When compiling: the last-level cache bytes batch chunks are sized for "
        "(half holds a chunk's working set; default: the target "
        "description's)"),
    cl::init(0));

static cl::opt<bool> profile(
    "profile", cl::cat(toolOptions),
    cl::desc("Compile with a timer around every layer, run the model (on the "
             "inputs given, else random ones) and print each layer's "
             "predicted and measured time, their Spearman rank correlation "
             "and the total's relative error"));
static cl::opt<std::string>
    profileJson("profile-json", cl::cat(toolOptions),
                cl::desc("With --profile: also write the table as JSON"),
                cl::value_desc("file"));
static cl::opt<unsigned>
    profileRuns("profile-runs", cl::cat(toolOptions),
                cl::desc("With --profile: timed calls (the best is reported)"),
                cl::init(20));
static cl::opt<std::string> targetDescription(
    "target-description", cl::cat(toolOptions),
    cl::desc("With --profile: the cost model's target description, a preset "
             "name or a JSON file (default: the preset fitting the CPU)"),
    cl::value_desc("name|file"));

static cl::opt<unsigned>
    snnSteps("snn-steps", cl::cat(toolOptions),
             cl::desc("A .nir model: timesteps the SNN simulator runs"),
             cl::init(32));
static cl::list<unsigned> snnCheckpoints(
    "snn-checkpoints", cl::CommaSeparated, cl::cat(toolOptions),
    cl::desc("A .nir model: also report top-1 after these timesteps"));
static cl::opt<bool>
    snnPoisson("snn-poisson", cl::cat(toolOptions),
               cl::desc("A .nir model: Poisson input spikes (default: the "
                        "input as a constant current)"));
static cl::opt<uint64_t> snnSeed("snn-seed", cl::cat(toolOptions),
                                 cl::desc("A .nir model: Poisson seed"),
                                 cl::init(0));
static cl::opt<bool> snnQuantize(
    "snn-quantize", cl::cat(toolOptions),
    cl::desc("A .nir model: also simulate with weights rounded to the "
             "target description's weight bits and report both"));

namespace {
/// Loads a .so from fulcrum-compile, or compiles and JIT-links a model,
/// through the driver.
std::unique_ptr<fulcrum::ModelRunner> compileModel(const std::string &path,
                                                   mlir::MLIRContext &context) {
  fulcrum::CompileOptions options;
  options.target = target;
  options.targetOptions.cpu = targetCpu;
  options.targetOptions.gpuChip = gpuChip;
  options.targetOptions.gpuTile = gpuTile;
  options.pipeline.entryPoint = entryPoint;
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
  auto runner = fulcrum::loadModelRunner(context, path, options);
  if (!runner) {
    fulcrum::reportError(path, runner.takeError());
    return nullptr;
  }
  return std::move(*runner);
}

/// The arrays of an .npz archive in the order of the model's inputs when
/// every input's name is one of their keys; otherwise in archive order.
std::vector<fulcrum::HostTensor>
orderByInputNames(std::vector<fulcrum::HostTensor> arrays,
                  const std::vector<fulcrum::TensorSignature> &sigs) {
  std::vector<fulcrum::HostTensor> ordered;
  for (const fulcrum::TensorSignature &sig : sigs) {
    auto it = llvm::find_if(arrays, [&](const fulcrum::HostTensor &t) {
      return t.name == sig.name;
    });
    if (it == arrays.end())
      return arrays;
    ordered.push_back(*it);
  }
  return ordered;
}

/// This process's peak resident set (VmHWM in /proc/self/status, which,
/// unlike getrusage's ru_maxrss, does not count the parent's memory before
/// exec), or std::nullopt where there is no such file.
std::optional<double> peakResidentMiB() {
  // A stream read: /proc files report a size of 0.
  auto status = MemoryBuffer::getFileAsStream("/proc/self/status");
  if (!status)
    return std::nullopt;
  StringRef text = (*status)->getBuffer();
  size_t at = text.find("VmHWM:");
  if (at == StringRef::npos)
    return std::nullopt;
  uint64_t kib;
  if (text.drop_front(at + 6).ltrim().consumeInteger(10, kib))
    return std::nullopt;
  return kib / 1024.0;
}

std::string percent(int64_t part, int64_t whole) {
  return formatv("{0:F2}% ({1}/{2})",
                 100.0 * part / std::max<int64_t>(whole, 1), part, whole)
      .str();
}

/// --eval-data: top-1 accuracy over labelled images, and agreement with a
/// reference model.
int evaluate(fulcrum::ModelRunner &runner, mlir::MLIRContext &context) {
  auto images = fulcrum::readTensorFile(evalData);
  if (!images) {
    errs() << "error: " << toString(images.takeError()) << "\n";
    return 1;
  }
  if (images->shape.empty()) {
    errs() << "error: " << evalData
           << ": the images need a first (sample) "
              "dimension\n";
    return 1;
  }
  int64_t count = images->shape[0];
  std::vector<int64_t> labels;
  if (!labelsPath.empty()) {
    auto file = fulcrum::readTensorFile(labelsPath);
    auto read = file ? fulcrum::readLabels(*file, count)
                     : Expected<std::vector<int64_t>>(file.takeError());
    if (!read) {
      errs() << "error: " << labelsPath << ": " << toString(read.takeError())
             << "\n";
      return 1;
    }
    labels = std::move(*read);
  }
  auto start = std::chrono::steady_clock::now();
  auto predicted =
      fulcrum::predictClasses(runner, *images, batchSize, batchThreads);
  if (!predicted) {
    errs() << modelPath << ": error: " << toString(predicted.takeError())
           << "\n";
    return 1;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  outs() << formatv("images: {0}, {1:F3} s ({2:F1} images/s, {3} thread{4})\n",
                    count, seconds, count / seconds, threads.getValue(),
                    threads == 1 ? "" : "s");
  if (!predictionsPath.empty()) {
    fulcrum::HostTensor out;
    out.dataType = 7; // int64
    out.shape = {count};
    out.data.resize(count * sizeof(int64_t));
    std::memcpy(out.data.data(), predicted->data(), out.data.size());
    if (Error err = fulcrum::writeNpyFile(out, predictionsPath)) {
      errs() << "error: " << toString(std::move(err)) << "\n";
      return 1;
    }
  }
  if (!labels.empty()) {
    int64_t correct = 0;
    for (int64_t i = 0; i < count; ++i)
      correct += (*predicted)[i] == labels[i];
    outs() << "top-1: " << percent(correct, count) << "\n";
  }
  if (!referenceModel.empty()) {
    auto reference = compileModel(referenceModel, context);
    if (!reference)
      return 1;
    auto refPredicted =
        fulcrum::predictClasses(*reference, *images, batchSize, batchThreads);
    if (!refPredicted) {
      errs() << referenceModel
             << ": error: " << toString(refPredicted.takeError()) << "\n";
      return 1;
    }
    int64_t same = 0;
    for (int64_t i = 0; i < count; ++i)
      same += (*predicted)[i] == (*refPredicted)[i];
    outs() << "agreement with " << referenceModel << ": "
           << percent(same, count) << "\n";
  }
  return 0;
}
} // namespace

namespace {
/// --profile: predicted against measured time per layer.
int runProfile(mlir::MLIRContext &context) {
  if (StringRef(modelPath).ends_with(".so")) {
    errs() << modelPath
           << ": error: --profile compiles the model with timers: give the "
              ".onnx (or .mlir) model, not a library\n";
    return 1;
  }
  fulcrum::CompileOptions options;
  options.targetOptions.cpu = targetCpu;
  options.pipeline.entryPoint = entryPoint;
  options.pipeline.channelsLast = channelsLast;
  options.pipeline.winograd = winograd;
  options.pipeline.tileBatch = tileBatch;
  options.pipeline.cacheBytes = static_cast<int64_t>(tileBatchCacheBytes);
  auto target = fulcrum::cost::resolveTargetDescription(
      targetDescription, options, /*keepCPU=*/true);
  if (!target)
    return fulcrum::reportError(targetDescription.empty()
                                    ? StringRef("fulcrum-run")
                                    : StringRef(targetDescription),
                                target.takeError());
  std::vector<fulcrum::HostTensor> inputs;
  for (const std::string &path : inputPaths) {
    auto t = fulcrum::readTensorFile(path);
    if (!t)
      return fulcrum::reportError(path, t.takeError());
    inputs.push_back(std::move(*t));
  }
  fulcrum::cost::ProfileOptions profileOptions;
  profileOptions.runs = profileRuns;
  profileOptions.cost.threads = threads;
  auto report = fulcrum::cost::profileModel(
      context, modelPath, options, *target, std::move(inputs), profileOptions);
  if (!report)
    return fulcrum::reportError(modelPath, report.takeError());
  fulcrum::cost::printProfileTable(outs(), *report);
  if (!profileJson.empty()) {
    std::error_code ec;
    raw_fd_ostream out(profileJson, ec);
    if (ec)
      return fulcrum::printError(profileJson, ec.message()), 1;
    out << fulcrum::cost::printProfileJSON(*report);
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  std::vector<std::string> args(argv, argv + argc);
  for (std::string &arg : args)
    for (const char *spelling : {"--threads", "-threads"})
      if (StringRef(arg) == spelling ||
          StringRef(arg).starts_with(std::string(spelling) + "="))
        arg = "--num-threads" + arg.substr(strlen(spelling));
  std::vector<const char *> argPtrs;
  for (const std::string &arg : args)
    argPtrs.push_back(arg.c_str());
  if (auto *llvmThreads = cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->setHiddenFlag(cl::ReallyHidden);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argPtrs.size(), argPtrs.data(),
                              "Fulcrum model runner\n");
  // Read by the OpenMP runtime when the first model starts its threads.
  ::setenv("OMP_NUM_THREADS", std::to_string(threads.getValue()).c_str(),
           /*overwrite=*/1);
  // Several threads are bound to cores, one each (as ONNX Runtime binds
  // its intra-op threads), unless the environment chooses a binding.
  // Unbound, the scheduler sometimes put both threads on one core while
  // the other was busy: the waiting thread spun on the only core the
  // working one had, and the ViT at batch 1 took 0.99 ms instead of 0.19
  // in one process out of three.
  if (threads > 1 && !::getenv("OMP_PROC_BIND") && !::getenv("OMP_PLACES") &&
      !::getenv("KMP_AFFINITY") && !::getenv("GOMP_CPU_AFFINITY"))
    ::setenv("OMP_PROC_BIND", "true", /*overwrite=*/0);

  mlir::DialectRegistry registry;
  fulcrum::registerDriverDialects(registry);
  mlir::MLIRContext context(registry);

  if (!labelsPath.empty() && evalData.empty()) {
    errs() << "error: --labels needs --eval-data\n";
    return 1;
  }
  if (threads == 0 || batchThreads == 0 || batchSize <= 0) {
    errs() << "error: --threads, --batch-threads and --batch must be "
              "positive\n";
    return 1;
  }
  if (StringRef(modelPath).ends_with(".nir")) {
    fulcrum::snn::SNNRunOptions snn;
    snn.modelPath = modelPath;
    snn.evalData = evalData;
    snn.labels = labelsPath;
    snn.steps = snnSteps;
    snn.checkpoints.assign(snnCheckpoints.begin(), snnCheckpoints.end());
    snn.threads = threads;
    snn.poisson = snnPoisson;
    snn.seed = snnSeed;
    snn.quantize = snnQuantize;
    snn.outputPath = outputDir.empty() ? "" : outputDir + "/readout.npy";
    if (!targetDescription.empty())
      snn.targetDescription = targetDescription;
    return fulcrum::snn::runSNN(context, snn, outs());
  }
  if (profile)
    return runProfile(context);
  if (!profileJson.empty() || targetDescription.getNumOccurrences()) {
    errs() << "error: --profile-json and --target-description need "
              "--profile\n";
    return 1;
  }
  auto runner = compileModel(modelPath, context);
  if (!runner)
    return 1;

  if (!testData.empty())
    return fulcrum::runTestData(*runner, testData, relTol, absTol, outs()) ? 0
                                                                           : 1;
  if (!evalData.empty())
    return evaluate(*runner, context);

  std::vector<fulcrum::HostTensor> inputs;
  for (const std::string &path : inputPaths) {
    if (StringRef(path).ends_with(".npz")) {
      auto arrays = fulcrum::readNpzFile(path);
      if (!arrays) {
        errs() << "error: " << toString(arrays.takeError()) << "\n";
        return 1;
      }
      std::vector<fulcrum::HostTensor> ordered =
          orderByInputNames(std::move(*arrays), runner->inputs());
      std::move(ordered.begin(), ordered.end(), std::back_inserter(inputs));
      continue;
    }
    auto t = fulcrum::readTensorFile(path);
    if (!t) {
      errs() << "error: " << toString(t.takeError()) << "\n";
      return 1;
    }
    inputs.push_back(std::move(*t));
  }
  auto outputs = fulcrum::runSplit(*runner, inputs, batchThreads);
  if (!outputs) {
    errs() << modelPath << ": error: " << toString(outputs.takeError()) << "\n";
    return 1;
  }
  if (!outputDir.empty())
    if (std::error_code ec = sys::fs::create_directories(outputDir)) {
      errs() << outputDir
             << ": error: cannot create the directory: " << ec.message()
             << "\n";
      return 1;
    }
  for (const fulcrum::HostTensor &out : *outputs) {
    outs() << out.name << ": " << out.describe() << "\n";
    if (outputDir.empty())
      continue;
    std::string file = outputDir + "/" + out.name + ".npy";
    if (Error err = fulcrum::writeNpyFile(out, file)) {
      errs() << "error: " << toString(std::move(err)) << "\n";
      return 1;
    }
  }
  if (bench) {
    auto ms =
        fulcrum::benchmarkCalls(*runner, inputs, batchThreads, warmup, bench);
    if (!ms) {
      errs() << modelPath << ": error: " << toString(ms.takeError()) << "\n";
      return 1;
    }
    fulcrum::LatencySummary summary = fulcrum::summarizeLatencies(*ms);
    int64_t batch =
        inputs.empty() || inputs[0].shape.empty() ? 1 : inputs[0].shape[0];
    std::string split =
        batchThreads > 1
            ? formatv(", batch split over {0} calls", batchThreads.getValue())
                  .str()
            : "";
    outs() << format("latency over %u runs (%u thread%s%s): median %.3f ms, "
                     "min %.3f ms, p90 %.3f ms\n",
                     bench.getValue(), threads.getValue(),
                     threads == 1 ? "" : "s", split.c_str(), summary.median,
                     summary.min, summary.p90);
    outs() << format("throughput: %.1f inferences/s (batch %lld)\n",
                     1000.0 * batch / summary.median, (long long)batch);
    if (auto peak = peakResidentMiB())
      outs() << format("peak resident memory: %.1f MiB\n", *peak);
    if (!benchJson.empty()) {
      json::Array calls;
      for (double v : *ms)
        calls.push_back(v);
      json::Object root{{"calls_ms", std::move(calls)},
                        {"median_ms", summary.median},
                        {"min_ms", summary.min},
                        {"p90_ms", summary.p90},
                        {"runs", static_cast<int64_t>(bench.getValue())},
                        {"threads", static_cast<int64_t>(threads.getValue())}};
      std::error_code ec;
      raw_fd_ostream os(benchJson, ec);
      if (ec) {
        errs() << benchJson << ": error: cannot write: " << ec.message()
               << "\n";
        return 1;
      }
      os << json::Value(std::move(root)) << "\n";
    }
  }
  return 0;
}
