//===- LinalgToLoops.cpp - fulcrum-cpu-linalg-to-loops --------------------===//
//
// Part of Fulcrum. linalg to loops; large ops to parallel loops.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPULINALGTOLOOPS
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter parallelCount("fulcrum-cpu-linalg-to-loops",
                                          "Ops lowered to parallel loops");

namespace {

/// Iteration-space points of `op`, or nothing when a size is dynamic.
std::optional<int64_t> staticPoints(linalg::LinalgOp op) {
  int64_t points = 1;
  for (int64_t size : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(size))
      return std::nullopt;
    points *= size;
  }
  return points;
}

struct CPULinalgToLoopsPass
    : public fulcrum::impl::CPULinalgToLoopsBase<CPULinalgToLoopsPass> {
  using CPULinalgToLoopsBase::CPULinalgToLoopsBase;

  bool runsInParallel(linalg::LinalgOp op) {
    auto iterators = op.getIteratorTypesArray();
    if (iterators.empty() || iterators[0] != utils::IteratorType::parallel)
      return false;
    auto ranges = op.getStaticLoopRanges();
    if (ShapedType::isDynamic(ranges[0]) || ranges[0] < 2)
      return false;
    auto points = staticPoints(op);
    return points && *points >= minParallelWork;
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      bool parallel = runsInParallel(op);
      FailureOr<linalg::LinalgLoops> loops =
          parallel ? linalg::linalgOpToParallelLoops(rewriter, op)
                   : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op->emitError("cannot lower to loops");
        return signalPassFailure();
      }
      if (parallel)
        ++numParallel;
      ++parallelCount;
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
