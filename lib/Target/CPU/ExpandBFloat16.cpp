//===- ExpandBFloat16.cpp - fulcrum-cpu-expand-bf16 -----------------------===//
//
// Part of Fulcrum. bf16 conversions as integer arithmetic, for CPUs without
// AVX512-BF16, where LLVM would call a runtime function that neither the JIT
// nor the artifacts have.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUEXPANDBFLOAT16
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter expandedCount("fulcrum-cpu-expand-bf16",
                                          "bf16 conversions expanded");

namespace {
/// Whether `op` converts between f32 and bf16 (scalars or vectors): the
/// conversions the upstream patterns rewrite.
bool isBFloat16Conversion(Operation *op) {
  if (!isa<arith::TruncFOp, arith::ExtFOp>(op))
    return false;
  Type in = getElementTypeOrSelf(op->getOperand(0).getType());
  Type out = getElementTypeOrSelf(op->getResult(0).getType());
  return (in.isF32() && out.isBF16()) || (in.isBF16() && out.isF32());
}

struct CPUExpandBFloat16Pass
    : public fulcrum::impl::CPUExpandBFloat16Base<CPUExpandBFloat16Pass> {
  void runOnOperation() override {
    int64_t before = 0;
    getOperation().walk([&](Operation *op) {
      if (isBFloat16Conversion(op))
        ++before;
    });
    if (before == 0)
      return;
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    int64_t after = 0;
    getOperation().walk([&](Operation *op) {
      if (isBFloat16Conversion(op))
        ++after;
    });
    if (after != 0) {
      getOperation().emitError()
          << after << " bf16 conversions could not be expanded";
      return signalPassFailure();
    }
    numExpanded += before;
    expandedCount += before;
  }
};
} // namespace
