//===- fulcrum-calibrate.cpp - Measure the host for the cost model --------===//
//
// Part of Fulcrum. `fulcrum-calibrate -o host.json` measures this machine
// (peaks, bandwidths, efficiencies of the generated code; see
// fulcrum/Cost/Calibrate.h) and writes a target description that
// `--target-description host.json` selects. Options only.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Calibrate.h"
#include "fulcrum/Driver/Driver.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstdlib>

using namespace llvm;

// The tool's own options: --help lists these, not LLVM's internal ones
// (they are still accepted, e.g. --mlir-timing, but not listed).
static cl::OptionCategory toolOptions("fulcrum-calibrate options");

static cl::opt<std::string> outputPath("o", cl::cat(toolOptions),
                                       cl::desc("Write the description here "
                                                "(- for standard output)"),
                                       cl::value_desc("file"), cl::Required);
static cl::opt<std::string> name("name", cl::cat(toolOptions),
                                 cl::desc("Name of the description"),
                                 cl::init("host"));
static cl::opt<bool>
    peaksOnly("peaks-only", cl::cat(toolOptions),
              cl::desc("Measure peaks and bandwidths only (no compiled "
                       "kernels; keeps the preset's efficiencies)"));
static cl::opt<bool> quiet("quiet", cl::cat(toolOptions),
                           cl::desc("Do not print the figures"));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "Fulcrum host calibration for the cost model\n");
  // The generated code is measured on one thread, as profiles run by
  // default; read by the OpenMP runtime when the first kernel starts.
  ::setenv("OMP_NUM_THREADS", "1", /*overwrite=*/1);
  mlir::DialectRegistry registry;
  fulcrum::registerDriverDialects(registry);
  mlir::MLIRContext context(registry);
  fulcrum::cost::CalibrateOptions options;
  options.name = name;
  options.peaksOnly = peaksOnly;
  raw_ostream &log = quiet ? nulls() : errs();
  auto target = fulcrum::cost::calibrateHost(context, options, log);
  if (!target)
    return fulcrum::reportError("fulcrum-calibrate", target.takeError());
  std::string message;
  auto out = mlir::openOutputFile(outputPath, &message);
  if (!out)
    return fulcrum::printError(outputPath, message), 1;
  out->os() << fulcrum::cost::printTargetDescription(*target);
  out->keep();
  return 0;
}
