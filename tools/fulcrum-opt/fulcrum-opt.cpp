//===- fulcrum-opt.cpp - Fulcrum's mlir-opt -------------------------------===//
//
// Part of Fulcrum. Every Fulcrum and upstream dialect and pass, over
// MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/InitAll.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllPasses();
  fulcrum::registerAllDialects(registry);
  fulcrum::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Fulcrum optimizer driver\n", registry));
}
