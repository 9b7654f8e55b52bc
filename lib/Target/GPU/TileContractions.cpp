//===- TileContractions.cpp - fulcrum-gpu-tile-contractions ---------------===//
//
// Part of Fulcrum. Matrix products and convolutions (any linalg op on
// memrefs whose payload is `out + a * b` in f32) become one gpu.launch each:
// a workgroup computes a tile of the output as a matrix product (the
// parallel dimensions only the first input reads are its rows, those only
// the second reads its columns, those both read are batches, the
// reductions are its depth), staging tiles of both inputs in workgroup
// memory, and each thread accumulates a small tile of outputs in registers.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUTILECONTRACTIONS
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;
using namespace fulcrum::gpu_kernels;
namespace cost = fulcrum::cost;

namespace {

/// The body is `out + a * b` (either operand order) on f32.
bool isMulAdd(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (!body || body->getNumArguments() != 3 ||
      body->getOperations().size() != 3)
    return false;
  for (BlockArgument arg : body->getArguments())
    if (!arg.getType().isF32())
      return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// A contraction seen as a batch of matrix products C[b] += A[b] * B[b].
struct Contraction {
  linalg::LinalgOp op;
  SmallVector<int64_t> ranges;
  /// Loop dimensions of each role, outermost first (rows, columns and
  /// batches in the output's order, depth in loop order).
  SmallVector<unsigned> batch, rows, cols, depth;
  /// The static extents; a dynamic loop dimension (a dynamic batch, the
  /// outermost of its role) counts as 1 in them.
  int64_t numBatches = 1, numRows = 1, numCols = 1, numDepth = 1;
  /// The dynamic loop dimension, if any, and where an operand reads it as
  /// its first index.
  std::optional<unsigned> dynamicDim;
  unsigned dynamicOperand = 0;
  /// Which index runs fastest in memory: the depth for A (else the rows),
  /// the depth for B (else the columns), the rows for C (else the columns).
  bool aDepthFast = false, bDepthFast = false, cRowsFast = false;
};

/// One op's tiling: output rows x columns per workgroup, reduction steps
/// staged at a time, outputs per thread, and how many workgroups share
/// the reduction (split-K: 1 when each computes it whole).
struct Tiles {
  int64_t rows, cols, depth, threadRows, threadCols;
  int64_t splits = 1, splitDepth = 0;
  int64_t workgroups(const struct Contraction &c) const;
};

int64_t product(ArrayRef<unsigned> dims, ArrayRef<int64_t> ranges) {
  int64_t p = 1;
  for (unsigned d : dims)
    if (!ShapedType::isDynamic(ranges[d]))
      p *= ranges[d];
  return p;
}

/// Whether the last result of `map` reads one of `dims`.
bool lastReadsAny(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumResults() == 0)
    return false;
  AffineExpr last = map.getResults().back();
  return llvm::any_of(dims,
                      [&](unsigned d) { return last.isFunctionOfDim(d); });
}

int64_t Tiles::workgroups(const Contraction &c) const {
  return ceilDiv(c.numRows, rows) * ceilDiv(c.numCols, cols) * c.numBatches;
}

std::optional<Contraction> analyze(linalg::LinalgOp op, bool allowDynamic) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !isMulAdd(op))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> ranges =
      getKernelLoopRanges(op, allowDynamic);
  if (!ranges)
    return std::nullopt;
  Contraction c;
  c.op = op;
  c.ranges = *ranges;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap a = maps[0], b = maps[1], out = maps[2];
  if (!out.isProjectedPermutation() || out.getNumResults() == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [d, kind] : llvm::enumerate(iterators)) {
    bool inOut = out.isFunctionOfDim(d);
    if (kind == utils::IteratorType::reduction) {
      if (inOut)
        return std::nullopt;
      c.depth.push_back(d);
      continue;
    }
    if (!inOut)
      return std::nullopt;
  }
  for (AffineExpr expr : out.getResults()) {
    unsigned d = cast<AffineDimExpr>(expr).getPosition();
    bool inA = a.isFunctionOfDim(d), inB = b.isFunctionOfDim(d);
    if (inA && inB)
      c.batch.push_back(d);
    else if (inA)
      c.rows.push_back(d);
    else if (inB)
      c.cols.push_back(d);
    else
      return std::nullopt; // a broadcast dimension
  }
  if (c.depth.empty())
    return std::nullopt;
  // A dynamic dimension must be the outermost of the rows, columns or
  // batches (delinearizing never needs its extent), and is read as the
  // first index of an operand.
  for (auto [d, r] : llvm::enumerate(c.ranges)) {
    if (!ShapedType::isDynamic(r))
      continue;
    bool outermost = (!c.rows.empty() && c.rows.front() == d) ||
                     (!c.cols.empty() && c.cols.front() == d) ||
                     (!c.batch.empty() && c.batch.front() == d);
    if (!outermost)
      return std::nullopt;
    c.dynamicDim = d;
    for (auto [i, map] : llvm::enumerate(maps))
      if (map.getNumResults() > 0 && map.getResult(0).isFunctionOfDim(d)) {
        c.dynamicOperand = i;
        break;
      }
  }
  c.numBatches = product(c.batch, c.ranges);
  c.numRows = product(c.rows, c.ranges);
  c.numCols = product(c.cols, c.ranges);
  c.numDepth = product(c.depth, c.ranges);
  c.aDepthFast = !lastReadsAny(a, c.rows);
  c.bDepthFast = !lastReadsAny(b, c.cols);
  c.cRowsFast = lastReadsAny(out, c.rows);
  return c;
}

struct GPUTileContractionsPass
    : public fulcrum::impl::GPUTileContractionsBase<GPUTileContractionsPass> {
  using GPUTileContractionsBase::GPUTileContractionsBase;

  /// Loads `operand` at the loop indices `dims` (through its map).
  static Value loadAt(OpBuilder &b, Location loc, Value operand, AffineMap map,
                      ArrayRef<Value> dims) {
    return b.create<memref::LoadOp>(loc, operand, indicesAt(b, loc, map, dims));
  }

  /// The tiling of `c`: the pass's tiles, made smaller (halving the larger
  /// side and its outputs per thread, down to 16x16 with one output per
  /// thread) while the grid has fewer than `min-workgroups` workgroups, and
  /// then the reduction split among workgroups if it still has, each part
  /// keeping at least 4 staging steps.
  Tiles chooseTiles(const Contraction &c) {
    Tiles t{tileRows, tileCols, tileDepth, threadRows, threadCols};
    auto valid = [&](const Tiles &t) {
      return cost::checkContractionTile(t.rows, t.cols, t.depth, t.threadRows,
                                        t.threadCols)
                 .result == cost::ContractionTileCheck::Ok;
    };
    while (t.workgroups(c) < minWorkgroups) {
      Tiles next = t;
      bool shrinkRows = next.rows >= next.cols;
      int64_t &side = shrinkRows ? next.rows : next.cols;
      int64_t &perThread = shrinkRows ? next.threadRows : next.threadCols;
      if (side <= 16)
        break;
      side /= 2;
      if (perThread > 1)
        perThread /= 2;
      if (!valid(next))
        break;
      t = next;
    }
    int64_t grid = t.workgroups(c);
    if (grid < minWorkgroups && c.numBatches == 1 && !c.dynamicDim) {
      int64_t splits =
          std::min(ceilDiv(minWorkgroups, grid), c.numDepth / (4 * t.depth));
      if (splits >= 2) {
        int64_t chunk = ceilDiv(ceilDiv(c.numDepth, splits), t.depth) * t.depth;
        t.splits = ceilDiv(c.numDepth, chunk);
        t.splitDepth = chunk;
      }
    }
    if (t.splits == 1)
      t.splitDepth = c.numDepth;
    return t;
  }

  void rewrite(Contraction &c) {
    linalg::LinalgOp op = c.op;
    Tiles t = chooseTiles(c);
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    OpBuilder b(op);
    auto cst = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    // The extents of the rows, columns and batches (computed on the host
    // where one holds the dynamic dimension), and whether each is dynamic.
    Value dynamicExtent;
    if (c.dynamicDim)
      dynamicExtent =
          b.create<memref::DimOp>(loc, op->getOperand(c.dynamicOperand), 0);
    auto holds = [&](ArrayRef<unsigned> dims) {
      return c.dynamicDim && llvm::is_contained(dims, *c.dynamicDim);
    };
    auto extent = [&](ArrayRef<unsigned> dims, int64_t staticPart) -> Value {
      Value v = cst(b, staticPart);
      if (!holds(dims))
        return v;
      return staticPart == 1
                 ? dynamicExtent
                 : b.create<arith::MulIOp>(loc, v, dynamicExtent).getResult();
    };
    const bool rowsDynamic = holds(c.rows), colsDynamic = holds(c.cols);
    Value numRows = extent(c.rows, c.numRows);
    Value numCols = extent(c.cols, c.numCols);
    Value numBatches = extent(c.batch, c.numBatches);
    const int64_t tm = t.rows, tn = t.cols, tk = t.depth;
    const int64_t threadRows = t.threadRows, threadCols = t.threadCols;
    const int64_t lanesM = tm / threadRows, lanesN = tn / threadCols;
    const int64_t threads = lanesM * lanesN;
    const int64_t splits = t.splits;
    // Split-K: each split's partial sums go to a workspace of
    // [splits][rows * cols] (in C's fastest order), which a second kernel
    // adds to C in split order.
    Value workspace;
    if (splits > 1)
      workspace = b.create<memref::AllocOp>(
          loc,
          MemRefType::get({splits, c.numRows * c.numCols}, b.getF32Type()));
    Type f32 = b.getF32Type();
    auto workgroup =
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    // A row of padding where consecutive threads store down a column
    // (stride tm + 1 words: no two of them in one bank).
    auto aTile = MemRefType::get({tk, tm + (c.aDepthFast ? 1 : 0)}, f32,
                                 MemRefLayoutAttrInterface(), workgroup);
    auto bTile = MemRefType::get({tk, tn + (c.bDepthFast ? 1 : 0)}, f32,
                                 MemRefLayoutAttrInterface(), workgroup);

    SmallVector<Type> attributions;
    if (workgroupMemory == "attribution")
      attributions = {aTile, bTile};
    auto ceilDivValue = [&](Value a, int64_t d) -> Value {
      if (std::optional<int64_t> known = getConstantIntValue(a))
        return cst(b, ceilDiv(*known, d));
      return b.create<arith::DivUIOp>(
          loc, b.create<arith::AddIOp>(loc, a, cst(b, d - 1)), cst(b, d));
    };
    gpu::LaunchOp launch = createLaunch(
        b, loc,
        ValueRange{ceilDivValue(numRows, tm), ceilDivValue(numCols, tn),
                   splits > 1 ? cst(b, splits) : numBatches},
        threads, attributions);

    Value aShared, bShared;
    if (workgroupMemory == "attribution") {
      aShared = launch.getWorkgroupAttributions()[0];
      bShared = launch.getWorkgroupAttributions()[1];
    } else {
      aShared = b.create<memref::AllocOp>(loc, aTile);
      bShared = b.create<memref::AllocOp>(loc, bTile);
    }
    Value tid = launch.getThreadIds().x;
    Value rowTile = launch.getBlockIds().x;
    Value colTile = launch.getBlockIds().y;
    Value batchIndex = launch.getBlockIds().z;
    // The thread's place in the tile: consecutive threads take consecutive
    // outputs along C's fastest index.
    Value laneM, laneN;
    if (c.cRowsFast) {
      laneM = b.create<arith::RemUIOp>(loc, tid, cst(b, lanesM));
      laneN = b.create<arith::DivUIOp>(loc, tid, cst(b, lanesM));
    } else {
      laneN = b.create<arith::RemUIOp>(loc, tid, cst(b, lanesN));
      laneM = b.create<arith::DivUIOp>(loc, tid, cst(b, lanesN));
    }
    Value row0 = b.create<arith::MulIOp>(loc, rowTile, cst(b, tm));
    Value col0 = b.create<arith::MulIOp>(loc, colTile, cst(b, tn));
    unsigned numLoops = c.ranges.size();
    SmallVector<Value> batchDims(numLoops, cst(b, 0));
    // With split-K (one batch), grid z is the split.
    Value depthBegin = cst(b, 0), depthEnd = cst(b, c.numDepth);
    if (splits > 1) {
      depthBegin =
          b.create<arith::MulIOp>(loc, batchIndex, cst(b, t.splitDepth));
      depthEnd = b.create<arith::MinUIOp>(
          loc, b.create<arith::AddIOp>(loc, depthBegin, cst(b, t.splitDepth)),
          depthEnd);
    } else {
      delinearize(b, loc, batchIndex, c.batch, c.ranges, batchDims);
    }

    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
    SmallVector<Value> init(threadRows * threadCols, zero);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value aBuffer = op.getDpsInputOperand(0)->get();
    Value bBuffer = op.getDpsInputOperand(1)->get();
    Value cBuffer = op.getDpsInitOperand(0)->get();

    // Stages the tile of one input that starts at depth `k0`: each thread
    // loads elements tid, tid + threads, ... of it (zero outside).
    auto stage = [&](OpBuilder &b, Value k0, Value buffer, AffineMap map,
                     Value shared, int64_t width, Value origin,
                     ArrayRef<unsigned> dims, int64_t extent,
                     Value dynamicExtent, bool depthFast) {
      for (int64_t i = 0; i < width * tk / threads; ++i) {
        Value e = b.create<arith::AddIOp>(loc, tid, cst(b, i * threads));
        Value kk, mm;
        if (depthFast) {
          kk = b.create<arith::RemUIOp>(loc, e, cst(b, tk));
          mm = b.create<arith::DivUIOp>(loc, e, cst(b, tk));
        } else {
          mm = b.create<arith::RemUIOp>(loc, e, cst(b, width));
          kk = b.create<arith::DivUIOp>(loc, e, cst(b, width));
        }
        Value m = b.create<arith::AddIOp>(loc, origin, mm);
        Value k = b.create<arith::AddIOp>(loc, k0, kk);
        Value inside;
        auto both = [&](Value cond) {
          inside = inside ? b.create<arith::AndIOp>(loc, inside, cond) : cond;
        };
        if (dynamicExtent)
          both(b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, m,
                                       dynamicExtent));
        else if (extent % width != 0)
          both(b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, m,
                                       cst(b, extent)));
        if (c.numDepth % tk != 0)
          both(b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, k,
                                       cst(b, c.numDepth)));
        auto load = [&](OpBuilder &b) {
          SmallVector<Value> values(batchDims);
          delinearize(b, loc, m, dims, c.ranges, values);
          delinearize(b, loc, k, c.depth, c.ranges, values);
          return loadAt(b, loc, buffer, map, values);
        };
        Value value;
        if (inside) {
          auto guarded = b.create<scf::IfOp>(
              loc, inside,
              [&](OpBuilder &b, Location loc) {
                b.create<scf::YieldOp>(loc, load(b));
              },
              [&](OpBuilder &b, Location loc) {
                b.create<scf::YieldOp>(loc, zero);
              });
          value = guarded.getResult(0);
        } else {
          value = load(b);
        }
        b.create<memref::StoreOp>(loc, value, shared, ValueRange{kk, mm});
      }
    };

    auto depthLoop = b.create<scf::ForOp>(
        loc, depthBegin, depthEnd, cst(b, tk), init,
        [&](OpBuilder &b, Location loc, Value k0, ValueRange acc) {
          stage(b, k0, aBuffer, maps[0], aShared, tm, row0, c.rows, c.numRows,
                rowsDynamic ? numRows : Value(), c.aDepthFast);
          stage(b, k0, bBuffer, maps[1], bShared, tn, col0, c.cols, c.numCols,
                colsDynamic ? numCols : Value(), c.bDepthFast);
          b.create<gpu::BarrierOp>(loc);
          auto inner = b.create<scf::ForOp>(
              loc, cst(b, 0), cst(b, tk), cst(b, 1), acc,
              [&](OpBuilder &b, Location loc, Value kk, ValueRange acc) {
                SmallVector<Value> as, bs, next;
                for (int64_t i = 0; i < threadRows; ++i) {
                  Value m =
                      b.create<arith::AddIOp>(loc, laneM, cst(b, i * lanesM));
                  as.push_back(b.create<memref::LoadOp>(loc, aShared,
                                                        ValueRange{kk, m}));
                }
                for (int64_t j = 0; j < threadCols; ++j) {
                  Value n =
                      b.create<arith::AddIOp>(loc, laneN, cst(b, j * lanesN));
                  bs.push_back(b.create<memref::LoadOp>(loc, bShared,
                                                        ValueRange{kk, n}));
                }
                for (int64_t i = 0; i < threadRows; ++i)
                  for (int64_t j = 0; j < threadCols; ++j) {
                    Value p = b.create<arith::MulFOp>(loc, as[i], bs[j]);
                    next.push_back(b.create<arith::AddFOp>(
                        loc, acc[i * threadCols + j], p));
                  }
                b.create<scf::YieldOp>(loc, next);
              });
          b.create<gpu::BarrierOp>(loc);
          b.create<scf::YieldOp>(loc, inner.getResults());
        });

    // C += the thread's sums, where they fall inside C.
    for (int64_t i = 0; i < threadRows; ++i) {
      Value m = b.create<arith::AddIOp>(
          loc, row0, b.create<arith::AddIOp>(loc, laneM, cst(b, i * lanesM)));
      for (int64_t j = 0; j < threadCols; ++j) {
        Value n = b.create<arith::AddIOp>(
            loc, col0, b.create<arith::AddIOp>(loc, laneN, cst(b, j * lanesN)));
        Value inside;
        if (rowsDynamic || c.numRows % tm != 0)
          inside = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, m,
                                           numRows);
        if (colsDynamic || c.numCols % tn != 0) {
          Value cond = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult,
                                               n, numCols);
          inside = inside ? b.create<arith::AndIOp>(loc, inside, cond) : cond;
        }
        Value sum = depthLoop.getResult(i * threadCols + j);
        auto store = [&](OpBuilder &b, Location loc) {
          if (splits > 1) {
            Value flat =
                c.cRowsFast
                    ? b.create<arith::AddIOp>(
                          loc,
                          b.create<arith::MulIOp>(loc, n, cst(b, c.numRows)), m)
                    : b.create<arith::AddIOp>(
                          loc,
                          b.create<arith::MulIOp>(loc, m, cst(b, c.numCols)),
                          n);
            b.create<memref::StoreOp>(loc, sum, workspace,
                                      ValueRange{batchIndex, flat});
            return;
          }
          SmallVector<Value> values(batchDims);
          delinearize(b, loc, m, c.rows, c.ranges, values);
          delinearize(b, loc, n, c.cols, c.ranges, values);
          Value old = loadAt(b, loc, cBuffer, maps[2], values);
          Value updated = b.create<arith::AddFOp>(loc, old, sum);
          SmallVector<Value> indices;
          for (AffineExpr expr : maps[2].getResults())
            indices.push_back(values[cast<AffineDimExpr>(expr).getPosition()]);
          b.create<memref::StoreOp>(loc, updated, cBuffer, indices);
        };
        if (inside) {
          b.create<scf::IfOp>(loc, inside, [&](OpBuilder &b, Location loc) {
            store(b, loc);
            b.create<scf::YieldOp>(loc);
          });
        } else {
          store(b, loc);
        }
      }
    }
    if (splits > 1) {
      b.setInsertionPointAfter(launch);
      gpu::LaunchOp second = addSplits(b, c, workspace, splits);
      b.setInsertionPointAfter(second);
      b.create<memref::DeallocOp>(loc, workspace);
    }
    op->erase();
  }

  /// The second kernel of split-K: C += the splits' partial sums, added in
  /// split order (one thread per output element, in C's fastest order).
  gpu::LaunchOp addSplits(OpBuilder &b, Contraction &c, Value workspace,
                          int64_t splits) {
    Location loc = c.op.getLoc();
    auto cst = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    const int64_t threads = 256, total = c.numRows * c.numCols;
    gpu::LaunchOp launch =
        createLaunch(b, loc, {ceilDiv(total, threads)}, threads);
    Value flat = b.create<arith::AddIOp>(
        loc,
        b.create<arith::MulIOp>(loc, launch.getBlockIds().x, cst(b, threads)),
        launch.getThreadIds().x);
    Value inside = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, flat,
                                           cst(b, total));
    AffineMap outMap = c.op.getIndexingMapsArray()[2];
    Value cBuffer = c.op.getDpsInitOperand(0)->get();
    b.create<scf::IfOp>(loc, inside, [&](OpBuilder &b, Location loc) {
      Value m, n;
      if (c.cRowsFast) {
        m = b.create<arith::RemUIOp>(loc, flat, cst(b, c.numRows));
        n = b.create<arith::DivUIOp>(loc, flat, cst(b, c.numRows));
      } else {
        n = b.create<arith::RemUIOp>(loc, flat, cst(b, c.numCols));
        m = b.create<arith::DivUIOp>(loc, flat, cst(b, c.numCols));
      }
      Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
      auto sum = b.create<scf::ForOp>(
          loc, cst(b, 0), cst(b, splits), cst(b, 1), ValueRange{zero},
          [&](OpBuilder &b, Location loc, Value s, ValueRange acc) {
            Value part =
                b.create<memref::LoadOp>(loc, workspace, ValueRange{s, flat});
            b.create<scf::YieldOp>(
                loc, ValueRange{b.create<arith::AddFOp>(loc, acc[0], part)});
          });
      SmallVector<Value> values(c.ranges.size(), cst(b, 0));
      delinearize(b, loc, m, c.rows, c.ranges, values);
      delinearize(b, loc, n, c.cols, c.ranges, values);
      SmallVector<Value> indices;
      for (AffineExpr expr : outMap.getResults())
        indices.push_back(values[cast<AffineDimExpr>(expr).getPosition()]);
      Value old = b.create<memref::LoadOp>(loc, cBuffer, indices);
      b.create<memref::StoreOp>(
          loc, b.create<arith::AddFOp>(loc, old, sum.getResult(0)), cBuffer,
          indices);
      b.create<scf::YieldOp>(loc);
    });
    return launch;
  }

  void runOnOperation() override {
    cost::ContractionTileCheck check;
    if (tileRows > 0 && tileCols > 0 && tileDepth > 0 && threadRows > 0 &&
        threadCols > 0)
      check = cost::checkContractionTile(tileRows, tileCols, tileDepth,
                                         threadRows, threadCols);
    else
      check.result = cost::ContractionTileCheck::NotMultiple;
    if (check.result == cost::ContractionTileCheck::NotMultiple) {
      getOperation().emitError(
          "fulcrum-gpu-tile-contractions: the tile sizes must be positive "
          "and tile-rows/tile-cols multiples of thread-rows/thread-cols");
      return signalPassFailure();
    }
    if (check.result == cost::ContractionTileCheck::Workgroup) {
      getOperation().emitError("fulcrum-gpu-tile-contractions: a workgroup of ")
          << check.threads
          << " threads must be at most 1024 and divide both input tiles ("
          << tileRows * tileDepth << " and " << tileCols * tileDepth
          << " elements)";
      return signalPassFailure();
    }
    if (workgroupMemory != "attribution" && workgroupMemory != "alloc") {
      getOperation().emitError("fulcrum-gpu-tile-contractions: "
                               "workgroup-memory must be 'attribution' or "
                               "'alloc', not '")
          << workgroupMemory << "'";
      return signalPassFailure();
    }
    std::vector<Contraction> found;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      std::optional<Contraction> c = analyze(op, /*allowDynamic=*/true);
      // (A side that holds the dynamic dimension may be long enough.)
      auto dynamicSide = [&](ArrayRef<unsigned> dims) {
        return c->dynamicDim && llvm::is_contained(dims, *c->dynamicDim);
      };
      if (!c || (c->numRows < minExtent && !dynamicSide(c->rows)) ||
          (c->numCols < minExtent && !dynamicSide(c->cols)) ||
          c->numBatches > kMaxGridDim ||
          ceilDiv(c->numCols, tileCols) > kMaxGridDim)
        return;
      found.push_back(*c);
    });
    for (Contraction &c : found) {
      rewrite(c);
      ++numTiled;
    }
  }
};
} // namespace
