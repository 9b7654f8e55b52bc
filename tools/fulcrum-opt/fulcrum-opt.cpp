//===- fulcrum-opt.cpp - Fulcrum's mlir-opt -------------------------------===//
//
// Part of Fulcrum. Every Fulcrum and upstream dialect and pass, over
// MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/InitAll.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::DialectRegistry registry;
  mlir::registerAllPasses();
  fulcrum::registerAllDialects(registry);
  fulcrum::registerAllPasses();
  // fulcrum-snn-calibrate runs the network on the cpu target.
  fulcrum::registerAllTargetBackends();
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "Fulcrum optimizer driver\n", registry);
  // `file: error: reason`, the form editors and build systems look for.
  auto fail = [](llvm::StringRef file, llvm::StringRef message) {
    llvm::errs() << file << ": ";
    llvm::WithColor::error(llvm::errs(), "", /*DisableColors=*/true)
        << message << "\n";
    return EXIT_FAILURE;
  };
  std::string message;
  auto file = mlir::openInputFile(input, &message);
  if (!file)
    return fail(input, message);
  auto out = mlir::openOutputFile(output, &message);
  if (!out)
    return fail(output, message);
  if (failed(mlir::MlirOptMain(out->os(), std::move(file), registry,
                               mlir::MlirOptMainConfig::createFromCLOptions())))
    return EXIT_FAILURE;
  out->keep();
  fulcrum::printPassStatisticsIfEnabled();
  return EXIT_SUCCESS;
}
