//===- fulcrum-translate.cpp - Fulcrum's mlir-translate -------------------===//
//
// Part of Fulcrum. Translations between ONNX (and later NIR) and MLIR, over
// mlirTranslateMain: --import-onnx and --export-onnx.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Export/ONNX/ONNXExporter.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"
#include "fulcrum/InitAll.h"
#include "fulcrum/Target/NIR/NIRFile.h"

#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"

static llvm::cl::opt<int64_t> targetOpset(
    "onnx-target-opset",
    llvm::cl::desc("Opset that --import-onnx upgrades models to (default 17)"),
    llvm::cl::init(17));

int main(int argc, char **argv) {
  fulcrum::registerImportONNXTranslation([] {
    fulcrum::ONNXImportOptions options;
    options.targetOpset = targetOpset;
    return options;
  });
  // Modules may hold any dialect; the exporter names what it cannot write.
  fulcrum::registerExportONNXTranslation([](mlir::DialectRegistry &registry) {
    fulcrum::registerAllDialects(registry);
  });
  fulcrum::snn::registerNIRTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Fulcrum translation driver\n"));
}
