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
#include "mlir/IR/IRMapping.h"
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

/// Reduction points up to which a window is unrolled into the payload.
constexpr int64_t kMaxWindow = 16;

/// `memref` read through `map` (over the loops of sizes `loops`), as a
/// subview and a map without constant terms: d0 * 2 + 1 reads the subview
/// that starts one element in through d0 * 2. (Tiling into parallel loops
/// offsets each operand's subview by its map at the tile's origin,
/// constants included, and then reads it through the whole map again, so a
/// constant would count twice.) A dimension read by a loop alone is cut to
/// that loop's size, since linalg takes loop sizes from such dimensions: a
/// stride-1 window's point (0, 0) reads d0 from an input larger than the
/// output.
std::pair<Value, AffineMap> shiftConstants(OpBuilder &b, Location loc,
                                           Value memref, AffineMap map,
                                           ArrayRef<OpFoldResult> loops) {
  SmallVector<AffineExpr> zeros(map.getNumDims(),
                                getAffineConstantExpr(0, b.getContext()));
  AffineMap origin = map.replaceDimsAndSymbols(zeros, {}, 0, 0);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<AffineExpr> results;
  bool view = false;
  for (auto [d, expr] : llvm::enumerate(map.getResults())) {
    auto constant = dyn_cast<AffineConstantExpr>(origin.getResult(d));
    int64_t c = constant ? constant.getValue() : 0;
    results.push_back(expr - c);
    offsets.push_back(b.getIndexAttr(c));
    strides.push_back(b.getIndexAttr(1));
    OpFoldResult size = memref::getMixedSize(b, loc, memref, d);
    if (auto dim = dyn_cast<AffineDimExpr>(results.back())) {
      OpFoldResult loop = loops[dim.getPosition()];
      view |= c != 0 || !isEqualConstantIntOrValue(size, loop);
      sizes.push_back(loop);
      continue;
    }
    view |= c != 0;
    if (auto attr = getConstantIntValue(size))
      sizes.push_back(b.getIndexAttr(*attr - c));
    else
      sizes.push_back(
          b.create<arith::SubIOp>(loc, cast<Value>(size),
                                  b.create<arith::ConstantIndexOp>(loc, c))
              .getResult());
  }
  AffineMap shifted =
      AffineMap::get(map.getNumDims(), 0, results, b.getContext());
  if (!view)
    return {memref, shifted};
  return {b.create<memref::SubViewOp>(loc, memref, offsets, sizes, strides),
          shifted};
}

/// The small static reduction (a pooling window) of `op`, unrolled: a
/// parallel linalg.generic over `op`'s parallel loops whose payload applies
/// `op`'s payload once per reduction point, in the order the loops would
/// visit them, to operands that read each point through its own map. So the
/// results are bit-identical, and the innermost loop holds no reduction
/// carried through memory: each output element is independent, and LLVM
/// vectorizes the loop (a channels-last window over bytes was otherwise
/// fully unrolled into scalar code before the vectorizer saw it). Nothing
/// happens to ops without reductions, with a dynamic or larger reduction,
/// with several outputs, or whose payload reads loop indices.
FailureOr<linalg::LinalgOp> unrollSmallWindow(IRRewriter &rewriter,
                                              linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      op.getNumParallelLoops() == 0 || op.hasIndexSemantics() ||
      op->getNumRegions() != 1)
    return failure();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> reductionDims, parallelDims;
  int64_t points = 1;
  for (auto [d, iterator] : llvm::enumerate(iterators)) {
    if (iterator == utils::IteratorType::parallel) {
      parallelDims.push_back(d);
      continue;
    }
    if (ShapedType::isDynamic(ranges[d]))
      return failure();
    reductionDims.push_back(d);
    points *= ranges[d];
  }
  if (points > kMaxWindow)
    return failure();
  MLIRContext *ctx = op.getContext();
  unsigned loops = op.getNumLoops();
  // Old loop d becomes new loop position (parallel) or a constant.
  SmallVector<AffineExpr> replacement(loops);
  for (auto [i, d] : llvm::enumerate(parallelDims))
    replacement[d] = getAffineDimExpr(i, ctx);
  // The operands the payload reads (a pooling window's shape is not).
  SmallVector<OpOperand *> read;
  for (OpOperand *operand : op.getDpsInputOperands())
    if (op.payloadUsesValueFromOperand(operand))
      read.push_back(operand);
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap initMap = op.getMatchingIndexingMap(init);
  for (unsigned d : reductionDims)
    if (initMap.isFunctionOfDim(d))
      return failure();
  // No point may read at a negative offset from the parallel loops' origin
  // (its subview starts there).
  for (int64_t point = 0; point < points; ++point) {
    SmallVector<int64_t> at(loops, 0);
    int64_t rest = point;
    for (int64_t k = static_cast<int64_t>(reductionDims.size()) - 1; k >= 0;
         --k) {
      at[reductionDims[k]] = rest % ranges[reductionDims[k]];
      rest /= ranges[reductionDims[k]];
    }
    for (OpOperand *operand : read)
      for (int64_t v : op.getMatchingIndexingMap(operand).compose(at))
        if (v < 0)
          return failure();
  }
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> loopSizes;
  for (auto [d, range] :
       llvm::enumerate(op.createLoopRanges(rewriter, op.getLoc())))
    if (iterators[d] == utils::IteratorType::parallel)
      loopSizes.push_back(range.size);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<int64_t> index(reductionDims.size(), 0);
  for (int64_t point = 0; point < points; ++point) {
    for (auto [k, d] : llvm::enumerate(reductionDims))
      replacement[d] = getAffineConstantExpr(index[k], ctx);
    for (OpOperand *operand : read) {
      AffineMap map = op.getMatchingIndexingMap(operand).replaceDimsAndSymbols(
          replacement, {}, parallelDims.size(), 0);
      auto [source, shifted] =
          shiftConstants(rewriter, op.getLoc(), operand->get(), map, loopSizes);
      inputs.push_back(source);
      maps.push_back(shifted);
    }
    // The next point in the loops' (lexicographic) order.
    for (int64_t k = static_cast<int64_t>(index.size()) - 1; k >= 0; --k) {
      if (++index[k] < ranges[reductionDims[k]])
        break;
      index[k] = 0;
    }
  }
  maps.push_back(
      initMap.replaceDimsAndSymbols(replacement, {}, parallelDims.size(), 0));
  SmallVector<utils::IteratorType> newIterators(parallelDims.size(),
                                                utils::IteratorType::parallel);
  Block *body = op.getBlock();
  auto generic = rewriter.create<linalg::GenericOp>(
      op.getLoc(), op->getResultTypes(), inputs, ValueRange{init->get()}, maps,
      newIterators, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value acc = args.back();
        for (int64_t point = 0; point < points; ++point) {
          IRMapping mapping;
          for (auto [i, operand] : llvm::enumerate(read))
            mapping.map(body->getArgument(operand->getOperandNumber()),
                        args[point * read.size() + i]);
          mapping.map(body->getArgument(init->getOperandNumber()), acc);
          for (Operation &inner : body->without_terminator())
            b.clone(inner, mapping);
          acc = mapping.lookupOrDefault(body->getTerminator()->getOperand(0));
        }
        b.create<linalg::YieldOp>(loc, acc);
      });
  rewriter.replaceOp(op, generic->getResults());
  return cast<linalg::LinalgOp>(generic.getOperation());
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
      if (FailureOr<linalg::LinalgOp> unrolled =
              unrollSmallWindow(rewriter, op);
          succeeded(unrolled)) {
        op = *unrolled;
        ++numWindowsUnrolled;
      }
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
