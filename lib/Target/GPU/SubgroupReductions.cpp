//===- SubgroupReductions.cpp - fulcrum-gpu-subgroup-reductions -----------===//
//
// Part of Fulcrum. Reductions (a linalg op on memrefs whose payload folds
// an element-wise value into its output with add, max or min) become one
// gpu.launch each in which a subgroup computes one output: its lanes fold
// strided parts of the reduction, then combine their partial results with
// butterfly shuffles.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

namespace fulcrum {
#define GEN_PASS_DEF_GPUSUBGROUPREDUCTIONS
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;
using namespace fulcrum::gpu_kernels;

namespace {

/// Ops a payload may hold besides the combiner (what a kernel can run).
bool isPayloadOp(Operation &op) {
  if (isa<linalg::YieldOp>(op))
    return true;
  Dialect *dialect = op.getDialect();
  if (!dialect || !isa<arith::ArithDialect, math::MathDialect>(dialect))
    return false;
  auto f32OrI1 = [](Type t) { return t.isF32() || t.isInteger(1); };
  return llvm::all_of(op.getOperandTypes(), f32OrI1) &&
         llvm::all_of(op.getResultTypes(), f32OrI1);
}

enum class Combiner { Add, Max, Min };

struct Reduction {
  linalg::LinalgOp op;
  SmallVector<int64_t> ranges;
  /// Parallel dimensions in the output's order, reduction dimensions in
  /// loop order.
  SmallVector<unsigned> parallel, reduced;
  int64_t numOutputs = 1, numReduced = 1;
  Operation *combiner = nullptr;
  /// The value folded in (computed by the rest of the payload).
  Value folded;
  Combiner kind = Combiner::Add;
};

std::optional<Reduction> analyze(linalg::LinalgOp op, int64_t minReduced) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> ranges = getKernelLoopRanges(op);
  if (!ranges)
    return std::nullopt;
  Reduction r;
  r.op = op;
  r.ranges = *ranges;
  AffineMap out = op.getIndexingMapsArray().back();
  if (!out.isProjectedPermutation())
    return std::nullopt;
  for (auto [d, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
    bool inOut = out.isFunctionOfDim(d);
    if (kind == utils::IteratorType::reduction) {
      if (inOut)
        return std::nullopt;
      r.reduced.push_back(d);
    } else if (!inOut) {
      return std::nullopt;
    }
  }
  for (AffineExpr expr : out.getResults())
    r.parallel.push_back(cast<AffineDimExpr>(expr).getPosition());
  if (r.reduced.empty())
    return std::nullopt;
  for (unsigned d : r.parallel)
    r.numOutputs *= r.ranges[d];
  for (unsigned d : r.reduced)
    r.numReduced *= r.ranges[d];
  if (r.numReduced < minReduced)
    return std::nullopt;

  // The payload: yield combine(out, x), `out` used by the combiner alone.
  Block *body = op.getBlock();
  if (!llvm::all_of(*body, isPayloadOp))
    return std::nullopt;
  Value acc = body->getArguments().back();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != body || !acc.hasOneUse() ||
      *acc.getUsers().begin() != combiner || combiner->getNumOperands() != 2)
    return std::nullopt;
  if (isa<arith::AddFOp>(combiner))
    r.kind = Combiner::Add;
  else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
    r.kind = Combiner::Max;
  else if (isa<arith::MinimumFOp, arith::MinNumFOp>(combiner))
    r.kind = Combiner::Min;
  else
    return std::nullopt;
  r.combiner = combiner;
  r.folded = combiner->getOperand(0) == acc ? combiner->getOperand(1)
                                            : combiner->getOperand(0);
  if (r.folded == acc)
    return std::nullopt;
  return r;
}

struct GPUSubgroupReductionsPass
    : public fulcrum::impl::GPUSubgroupReductionsBase<
          GPUSubgroupReductionsPass> {
  using GPUSubgroupReductionsBase::GPUSubgroupReductionsBase;

  static Value combine(OpBuilder &b, Location loc, Operation *combiner,
                       Value lhs, Value rhs) {
    OperationState state(loc, combiner->getName());
    state.addOperands({lhs, rhs});
    state.addTypes(lhs.getType());
    state.addAttributes(combiner->getAttrs());
    return b.create(state)->getResult(0);
  }

  /// The combiner's identity: 0, -inf (max) or +inf (min).
  static Value identityOf(OpBuilder &b, Location loc, Combiner kind) {
    float identity = kind == Combiner::Add ? 0.0f
                     : kind == Combiner::Max
                         ? -std::numeric_limits<float>::infinity()
                         : std::numeric_limits<float>::infinity();
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(identity));
  }

  /// Folds elements `first`, `first + step`, ... of the reduction of the
  /// output at `dims` (its parallel dimensions) into `start`: the payload
  /// without its combiner, then the combiner. With `uniformTrips` (`first`
  /// below `step`, a constant) every thread runs the same ceil(reduced /
  /// step) iterations without a branch: a thread past the end reads the
  /// last element and folds the identity instead. Control flow then stays
  /// uniform up to the subgroup operation that follows, which Vulkan
  /// requires for it to see all the subgroup's lanes (after a loop whose
  /// trip count differs between lanes, NVIDIA's driver ran the reduction
  /// on part of the subgroup at a time).
  static Value foldStrided(OpBuilder &b, Location loc, Reduction &r,
                           ArrayRef<Value> dims, Value first, Value step,
                           Value start, int64_t uniformTrips = 0) {
    linalg::LinalgOp op = r.op;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Block *payload = op.getBlock();
    auto cst = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    bool guarded = uniformTrips > 0 && r.numReduced % uniformTrips != 0;
    Value lower = uniformTrips ? cst(b, 0) : first;
    Value upper = cst(b, uniformTrips ? ceilDiv(r.numReduced, uniformTrips)
                                      : r.numReduced);
    Value stride = uniformTrips ? cst(b, 1) : step;
    auto loop = b.create<scf::ForOp>(
        loc, lower, upper, stride, ValueRange{start},
        [&](OpBuilder &b, Location loc, Value i, ValueRange partial) {
          Value k = i, inside;
          if (uniformTrips) {
            k = b.create<arith::AddIOp>(loc, first,
                                        b.create<arith::MulIOp>(loc, i, step));
            if (guarded) {
              Value last = cst(b, r.numReduced - 1);
              inside = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ule,
                                               k, last);
              k = b.create<arith::SelectOp>(loc, inside, k, last);
            }
          }
          SmallVector<Value> at(dims);
          delinearize(b, loc, k, r.reduced, r.ranges, at);
          IRMapping mapping;
          for (OpOperand *input : op.getDpsInputOperands()) {
            Value loaded = b.create<memref::LoadOp>(
                loc, input->get(),
                indicesAt(b, loc, maps[input->getOperandNumber()], at));
            mapping.map(payload->getArgument(input->getOperandNumber()),
                        loaded);
          }
          for (Operation &inner : payload->without_terminator())
            if (&inner != r.combiner)
              b.clone(inner, mapping);
          Value x = mapping.lookupOrDefault(r.folded);
          if (inside)
            x = b.create<arith::SelectOp>(loc, inside, x, start);
          b.create<scf::YieldOp>(loc,
                                 combine(b, loc, r.combiner, partial[0], x));
        });
    return loop.getResult(0);
  }

  /// Combines `value`, the reduction of the row at `dims`, into the op's
  /// output element there (which may hold a starting value).
  static void combineIntoOutput(OpBuilder &b, Location loc, Reduction &r,
                                ArrayRef<Value> dims, Value value) {
    linalg::LinalgOp op = r.op;
    Value output = op.getDpsInitOperand(0)->get();
    SmallVector<Value> indices =
        indicesAt(b, loc, op.getIndexingMapsArray().back(), dims);
    Value old = b.create<memref::LoadOp>(loc, output, indices);
    b.create<memref::StoreOp>(loc, combine(b, loc, r.combiner, old, value),
                              output, indices);
  }

  void rewrite(Reduction &r) {
    linalg::LinalgOp op = r.op;
    Location loc = op.getLoc();
    OpBuilder b(op);
    auto cst = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    const int64_t lanes = subgroupSize;
    const int64_t groups =
        std::min<int64_t>(subgroupsPerWorkgroup, r.numOutputs);
    gpu::LaunchOp launch =
        createLaunch(b, loc, {ceilDiv(r.numOutputs, groups)}, lanes * groups);

    Value tid = launch.getThreadIds().x;
    Value lane = b.create<arith::RemUIOp>(loc, tid, cst(b, lanes));
    Value group = b.create<arith::DivUIOp>(loc, tid, cst(b, lanes));
    Value row = b.create<arith::AddIOp>(
        loc,
        b.create<arith::MulIOp>(loc, launch.getBlockIds().x, cst(b, groups)),
        group);
    Value start = identityOf(b, loc, r.kind);

    // A whole subgroup takes one row, so the guard is uniform in it.
    auto reduceRow = [&](OpBuilder &b, Location loc) {
      SmallVector<Value> dims(r.ranges.size(), Value());
      delinearize(b, loc, row, r.parallel, r.ranges, dims);
      Value value = foldStrided(b, loc, r, dims, lane, cst(b, lanes), start);
      for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
        auto shuffle = b.create<gpu::ShuffleOp>(
            loc, value, static_cast<int32_t>(offset),
            static_cast<int32_t>(lanes), gpu::ShuffleMode::XOR);
        value = combine(b, loc, r.combiner, value, shuffle.getShuffleResult());
      }
      Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, lane,
                                            cst(b, 0));
      b.create<scf::IfOp>(loc, first, [&](OpBuilder &b, Location loc) {
        combineIntoOutput(b, loc, r, dims, value);
        b.create<scf::YieldOp>(loc);
      });
    };
    if (r.numOutputs % groups == 0) {
      reduceRow(b, loc);
    } else {
      Value inside = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult,
                                             row, cst(b, r.numOutputs));
      b.create<scf::IfOp>(loc, inside, [&](OpBuilder &b, Location loc) {
        reduceRow(b, loc);
        b.create<scf::YieldOp>(loc);
      });
    }
    op->erase();
  }

  /// The reduction op of `gpu.subgroup_reduce` that matches a combiner.
  static gpu::AllReduceOperation reduceOperation(Combiner kind) {
    switch (kind) {
    case Combiner::Add:
      return gpu::AllReduceOperation::ADD;
    case Combiner::Max:
      return gpu::AllReduceOperation::MAXNUMF;
    case Combiner::Min:
      return gpu::AllReduceOperation::MINNUMF;
    }
    llvm_unreachable("unknown combiner");
  }

  /// mode=subgroup-reduce: one workgroup of `workgroup-size` threads per
  /// output. Threads fold strided parts of the reduction, each hardware
  /// subgroup (of whatever size the device has) combines its lanes with
  /// gpu.subgroup_reduce, lane 0 of each writes its subgroup's result to
  /// workgroup memory, and after a barrier thread 0 folds those in
  /// subgroup order into the output.
  void rewriteWorkgroup(Reduction &r) {
    linalg::LinalgOp op = r.op;
    Location loc = op.getLoc();
    OpBuilder b(op);
    auto cst = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    const int64_t threads = workgroupSize;
    // Vulkan guarantees 65535 workgroups per dimension: beyond, each
    // workgroup takes every grid-th output.
    const int64_t grid = std::min<int64_t>(r.numOutputs, kMaxGridDim);
    gpu::LaunchOp launch = createLaunch(b, loc, {grid}, threads);
    Value tid = launch.getThreadIds().x;
    Value start = identityOf(b, loc, r.kind);
    auto sharedType =
        MemRefType::get({threads}, b.getF32Type(), MemRefLayoutAttrInterface(),
                        gpu::AddressSpaceAttr::get(
                            b.getContext(), gpu::AddressSpace::Workgroup));
    Value shared = b.create<memref::AllocOp>(loc, sharedType);
    Value lane = b.create<gpu::LaneIdOp>(loc, /*upper_bound=*/nullptr);
    Value subgroup = b.create<gpu::SubgroupIdOp>(loc, /*upper_bound=*/nullptr);
    Value numSubgroups =
        b.create<gpu::NumSubgroupsOp>(loc, /*upper_bound=*/nullptr);
    Value leader =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, lane, cst(b, 0));
    Value first =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, cst(b, 0));
    // The row loop is uniform in a workgroup, so its barriers are too.
    b.create<scf::ForOp>(
        loc, launch.getBlockIds().x, cst(b, r.numOutputs), cst(b, grid),
        ValueRange{}, [&](OpBuilder &b, Location loc, Value row, ValueRange) {
          SmallVector<Value> dims(r.ranges.size(), Value());
          delinearize(b, loc, row, r.parallel, r.ranges, dims);
          Value partial = foldStrided(b, loc, r, dims, tid, cst(b, threads),
                                      start, /*uniformTrips=*/threads);
          Value reduced = b.create<gpu::SubgroupReduceOp>(
              loc, partial, reduceOperation(r.kind), /*uniform=*/false);
          b.create<scf::IfOp>(loc, leader, [&](OpBuilder &b, Location loc) {
            b.create<memref::StoreOp>(loc, reduced, shared,
                                      ValueRange{subgroup});
            b.create<scf::YieldOp>(loc);
          });
          b.create<gpu::BarrierOp>(loc);
          b.create<scf::IfOp>(loc, first, [&](OpBuilder &b, Location loc) {
            auto total = b.create<scf::ForOp>(
                loc, cst(b, 0), numSubgroups, cst(b, 1), ValueRange{start},
                [&](OpBuilder &b, Location loc, Value s, ValueRange acc) {
                  Value part =
                      b.create<memref::LoadOp>(loc, shared, ValueRange{s});
                  b.create<scf::YieldOp>(
                      loc, combine(b, loc, r.combiner, acc[0], part));
                });
            combineIntoOutput(b, loc, r, dims, total.getResult(0));
            b.create<scf::YieldOp>(loc);
          });
          // Thread 0 has read the results before the next row's are stored.
          b.create<gpu::BarrierOp>(loc);
          b.create<scf::YieldOp>(loc);
        });
    b.create<memref::DeallocOp>(loc, shared);
    op->erase();
  }

  void runOnOperation() override {
    if (mode != "shuffle" && mode != "subgroup-reduce") {
      getOperation().emitError("fulcrum-gpu-subgroup-reductions: mode must "
                               "be 'shuffle' or 'subgroup-reduce', not '")
          << mode << "'";
      return signalPassFailure();
    }
    if (mode == "subgroup-reduce" &&
        (workgroupSize <= 0 || workgroupSize > 1024)) {
      getOperation().emitError("fulcrum-gpu-subgroup-reductions: "
                               "workgroup-size must be 1 to 1024 threads");
      return signalPassFailure();
    }
    if (subgroupSize <= 0 || (subgroupSize & (subgroupSize - 1)) ||
        subgroupsPerWorkgroup <= 0 ||
        subgroupSize * subgroupsPerWorkgroup > 1024) {
      getOperation().emitError("fulcrum-gpu-subgroup-reductions: "
                               "subgroup-size must be a power of two and "
                               "the workgroup (subgroup-size * "
                               "subgroups-per-workgroup) at most 1024 "
                               "threads");
      return signalPassFailure();
    }
    std::vector<Reduction> found;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      // A workgroup per output suits reductions of one input (sums,
      // maxima, norms, pools); products and convolutions (two inputs) keep
      // one thread per output there, or tiles.
      if (mode == "subgroup-reduce" && op.getNumDpsInputs() != 1)
        return;
      if (std::optional<Reduction> r = analyze(op, minReduction))
        found.push_back(*r);
    });
    for (Reduction &r : found) {
      if (mode == "shuffle")
        rewrite(r);
      else
        rewriteWorkgroup(r);
      ++numReductions;
    }
  }
};
} // namespace
