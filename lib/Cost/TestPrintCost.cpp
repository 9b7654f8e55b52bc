//===- TestPrintCost.cpp - fulcrum-test-print-cost ------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Cost/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace fulcrum::cost {
#define GEN_PASS_DEF_TESTPRINTCOST
#include "fulcrum/Cost/Passes.h.inc"
} // namespace fulcrum::cost

using namespace mlir;

namespace fulcrum::cost {
namespace {
struct TestPrintCostPass : public impl::TestPrintCostBase<TestPrintCostPass> {
  using TestPrintCostBase::TestPrintCostBase;

  void runOnOperation() override {
    auto target = loadTargetDescription(targetDescription);
    if (!target) {
      getOperation().emitError()
          << "fulcrum-test-print-cost: " << llvm::toString(target.takeError());
      return signalPassFailure();
    }
    CostOptions options;
    options.threads = threads;
    options.winograd = winograd;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      std::vector<LayerCost> layers =
          estimateRegion(func.getBody(), *target, options);
      llvm::outs() << "cost of @" << func.getName() << " ";
      printCostTable(llvm::outs(), layers, *target, options);
    }
    markAllAnalysesPreserved();
  }
};
} // namespace
} // namespace fulcrum::cost
