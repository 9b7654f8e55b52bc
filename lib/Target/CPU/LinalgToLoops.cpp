//===- LinalgToLoops.cpp - fulcrum-cpu-linalg-to-loops --------------------===//
//
// Part of Fulcrum. linalg to loops; large ops to parallel loops.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
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

/// The loop that should be innermost for `op` to vectorize, when it is not:
/// the output's innermost (unit-stride) dimension, a parallel loop that
/// every operand it reads indexes only in its innermost dimension, while the
/// current innermost loop is unit-stride in no operand. A channels-last
/// pooling window (n, oh, ow, c, kh, kw) is the case: c moves inside kh
/// and kw, so each window step is a vector operation over channels.
std::optional<unsigned> getContiguousLoop(linalg::LinalgOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!last || last.getPosition() == loops - 1 ||
      op.getIteratorTypesArray()[last.getPosition()] !=
          utils::IteratorType::parallel)
    return std::nullopt;
  unsigned p = last.getPosition();
  for (OpOperand &operand : op->getOpOperands()) {
    // A pooling window's shape operand is never read.
    if (op.isDpsInput(&operand) && !op.payloadUsesValueFromOperand(&operand))
      continue;
    ArrayRef<AffineExpr> results =
        op.getMatchingIndexingMap(&operand).getResults();
    for (auto [i, expr] : llvm::enumerate(results)) {
      bool innermost = i + 1 == results.size();
      if (innermost && expr.isFunctionOfDim(loops - 1))
        return std::nullopt;
      if (expr.isFunctionOfDim(p) &&
          (!innermost || expr != getAffineDimExpr(p, op.getContext())))
        return std::nullopt;
    }
  }
  return p;
}

/// How an op's loops are lowered.
enum class Schedule {
  Sequential,
  Parallel,
  /// Parallel when the run-time iteration space is large enough: the op
  /// has dynamic sizes (a batch, say) and its static part alone is small.
  Guarded,
};

struct CPULinalgToLoopsPass
    : public fulcrum::impl::CPULinalgToLoopsBase<CPULinalgToLoopsPass> {
  using CPULinalgToLoopsBase::CPULinalgToLoopsBase;

  Schedule schedule(linalg::LinalgOp op) {
    auto iterators = op.getIteratorTypesArray();
    if (iterators.empty() || iterators[0] != utils::IteratorType::parallel)
      return Schedule::Sequential;
    // The static part of the iteration space: a lower bound on its points,
    // since each dynamic size is at least one in any call that does work.
    int64_t staticPoints = 1, parallelPoints = 1;
    bool dynamic = false;
    for (auto [size, iterator] :
         llvm::zip(op.getStaticLoopRanges(), iterators)) {
      bool outer =
          iterator == utils::IteratorType::parallel && parallelPoints != 0;
      if (ShapedType::isDynamic(size)) {
        dynamic = true;
        continue;
      }
      staticPoints *= size;
      if (outer)
        parallelPoints *= size;
    }
    if (staticPoints >= minParallelWork && (dynamic || parallelPoints >= 2))
      return Schedule::Parallel;
    return dynamic ? Schedule::Guarded : Schedule::Sequential;
  }

  /// `points >= minParallelWork` for `op`'s run-time iteration space.
  Value isLarge(OpBuilder &b, linalg::LinalgOp op) {
    Location loc = op.getLoc();
    Value points = b.create<arith::ConstantIndexOp>(loc, 1);
    for (Range range : op.createLoopRanges(b, loc))
      points = b.create<arith::MulIOp>(
          loc, points, getValueOrCreateConstantIndexOp(b, loc, range.size));
    Value threshold = b.create<arith::ConstantIndexOp>(loc, minParallelWork);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, points,
                                   threshold);
  }

  /// Makes loop `inner` of `op` its innermost one (`op` is updated).
  LogicalResult moveInnermost(IRRewriter &rewriter, linalg::LinalgOp &op,
                              unsigned inner) {
    rewriter.setInsertionPoint(op);
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> general =
          linalg::generalizeNamedOp(rewriter, op);
      if (failed(general))
        return op->emitError("cannot generalize to reorder its loops");
      generic = *general;
    }
    SmallVector<unsigned> order;
    for (unsigned i = 0, e = generic.getNumLoops(); i < e; ++i)
      if (i != inner)
        order.push_back(i);
    order.push_back(inner);
    FailureOr<linalg::GenericOp> reordered =
        linalg::interchangeGenericOp(rewriter, generic, order);
    if (failed(reordered))
      return generic->emitError("cannot reorder its loops");
    op = cast<linalg::LinalgOp>(reordered->getOperation());
    return success();
  }

  /// Lowers `op` to sequential loops.
  LogicalResult lowerSequential(IRRewriter &rewriter, linalg::LinalgOp op) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::linalgOpToLoops(rewriter, op)))
      return op->emitError("cannot lower to loops");
    rewriter.eraseOp(op);
    return success();
  }

  /// Lowers `op` to an scf.parallel over its outer parallel loops around
  /// sequential loops. The innermost loop always stays sequential, so that
  /// LLVM vectorizes it: OpenMP collapses the parallel loops into one whose
  /// indices are recovered by division, which no vectorizer sees through.
  /// An op with one parallel loop and nothing inside it runs in chunks.
  LogicalResult lowerParallel(IRRewriter &rewriter, linalg::LinalgOp op) {
    auto iterators = op.getIteratorTypesArray();
    unsigned loops = iterators.size();
    unsigned outer = 0;
    while (outer < loops && iterators[outer] == utils::IteratorType::parallel)
      ++outer;
    SmallVector<int64_t> tiles(loops, 0);
    if (loops == 1)
      tiles[0] = kChunk;
    for (unsigned i = 0; i < std::min(outer, loops - 1); ++i)
      tiles[i] = 1;
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
        rewriter, op,
        linalg::LinalgTilingOptions().setTileSizes(tiles).setLoopType(
            linalg::LinalgTilingLoopType::ParallelLoops));
    if (failed(tiled))
      return op->emitError("cannot tile into parallel loops");
    rewriter.eraseOp(op);
    return lowerSequential(rewriter, tiled->op);
  }

  LogicalResult lower(IRRewriter &rewriter, linalg::LinalgOp op,
                      bool parallel) {
    return parallel ? lowerParallel(rewriter, op)
                    : lowerSequential(rewriter, op);
  }

  /// Points of a one-loop op that one thread computes at a time.
  static constexpr int64_t kChunk = 4096;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      if (std::optional<unsigned> inner = getContiguousLoop(op)) {
        if (failed(moveInnermost(rewriter, op, *inner)))
          return signalPassFailure();
        ++numInterchanged;
      }
      Schedule kind = schedule(op);
      if (kind == Schedule::Guarded) {
        // Both versions of the loops, chosen per call by the run-time size.
        rewriter.setInsertionPoint(op);
        auto guard =
            rewriter.create<scf::IfOp>(op.getLoc(), isLarge(rewriter, op),
                                       /*withElseRegion=*/true);
        rewriter.setInsertionPoint(guard.thenBlock()->getTerminator());
        auto copy = cast<linalg::LinalgOp>(rewriter.clone(*op));
        if (failed(lowerParallel(rewriter, copy)))
          return signalPassFailure();
        rewriter.moveOpBefore(op, guard.elseBlock()->getTerminator());
        ++numGuarded;
        ++parallelCount;
      } else if (kind == Schedule::Parallel) {
        ++numParallel;
        ++parallelCount;
      }
      if (failed(lower(rewriter, op, kind == Schedule::Parallel)))
        return signalPassFailure();
    }
  }
};

} // namespace
