//===- fulcrum-run.cpp - Run a model on inputs and check its outputs ------===//
//
// Part of Fulcrum. JIT-compiles an ONNX model (or onnx-dialect MLIR) and
// runs it on input files (.pb TensorProto or .npy), or on an ONNX backend
// test directory (--test-data), comparing the outputs with the expected
// ones.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/JITRunner.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"
#include "fulcrum/InitAll.h"
#include "fulcrum/Pipelines/Pipelines.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <chrono>

using namespace llvm;

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::list<std::string> inputPaths(cl::Positional,
                                        cl::desc("[input.pb|input.npy ...]"));
static cl::opt<std::string>
    testData("test-data",
             cl::desc("ONNX backend test directory: run every "
                      "test_data_set_* and compare with output_*.pb"));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"),
                            cl::init(1e-3));
static cl::opt<double> absTol("atol", cl::desc("Absolute tolerance"),
                            cl::init(1e-7));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write each output to DIR/<name>.npy"));
static cl::opt<unsigned> bench("bench",
                               cl::desc("Run N times and print latencies"),
                               cl::init(0));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Fulcrum model runner\n");

  mlir::DialectRegistry registry;
  fulcrum::registerAllDialects(registry);
  fulcrum::registerPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (StringRef(modelPath).ends_with(".mlir")) {
    module = mlir::parseSourceFile<mlir::ModuleOp>(modelPath, sourceMgr,
                                                   &context);
  } else {
    module = fulcrum::importONNXFile(modelPath, &context);
  }
  if (!module)
    return 1;

  auto runner = fulcrum::JITRunner::create(*module,
                                           fulcrum::CompilePhase::Import);
  if (!runner) {
    errs() << modelPath << ": error: " << toString(runner.takeError()) << "\n";
    return 1;
  }

  if (!testData.empty())
    return fulcrum::runTestData(**runner, testData, relTol, absTol, outs()) ? 0 : 1;

  std::vector<fulcrum::HostTensor> inputs;
  for (const std::string &path : inputPaths) {
    auto t = fulcrum::readTensorFile(path);
    if (!t) {
      errs() << "error: " << toString(t.takeError()) << "\n";
      return 1;
    }
    inputs.push_back(std::move(*t));
  }
  auto outputs = (*runner)->run(inputs);
  if (!outputs) {
    errs() << modelPath << ": error: " << toString(outputs.takeError()) << "\n";
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
    std::vector<double> ms;
    for (unsigned i = 0; i < bench; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto r = (*runner)->run(inputs);
      if (!r) {
        errs() << "error: " << toString(r.takeError()) << "\n";
        return 1;
      }
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count());
    }
    std::sort(ms.begin(), ms.end());
    outs() << format("latency over %u runs: median %.3f ms, min %.3f ms\n",
                     bench.getValue(), ms[ms.size() / 2], ms.front());
  }
  return 0;
}
