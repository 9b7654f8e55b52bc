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
    gpu::LaunchOp launch = createLaunch(
        b, loc, {(r.numOutputs + groups - 1) / groups}, lanes * groups);

    Value tid = launch.getThreadIds().x;
    Value lane = b.create<arith::RemUIOp>(loc, tid, cst(b, lanes));
    Value group = b.create<arith::DivUIOp>(loc, tid, cst(b, lanes));
    Value row = b.create<arith::AddIOp>(
        loc,
        b.create<arith::MulIOp>(loc, launch.getBlockIds().x, cst(b, groups)),
        group);
    float identity = r.kind == Combiner::Add ? 0.0f
                     : r.kind == Combiner::Max
                         ? -std::numeric_limits<float>::infinity()
                         : std::numeric_limits<float>::infinity();
    Value start = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(identity));
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Block *payload = op.getBlock();

    // A whole subgroup takes one row, so the guard is uniform in it.
    auto reduceRow = [&](OpBuilder &b, Location loc) {
      SmallVector<Value> dims(r.ranges.size(), Value());
      delinearize(b, loc, row, r.parallel, r.ranges, dims);
      auto loop = b.create<scf::ForOp>(
          loc, lane, cst(b, r.numReduced), cst(b, lanes), ValueRange{start},
          [&](OpBuilder &b, Location loc, Value k, ValueRange partial) {
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
            b.create<scf::YieldOp>(loc,
                                   combine(b, loc, r.combiner, partial[0], x));
          });
      Value value = loop.getResult(0);
      for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
        auto shuffle = b.create<gpu::ShuffleOp>(
            loc, value, static_cast<int32_t>(offset),
            static_cast<int32_t>(lanes), gpu::ShuffleMode::XOR);
        value = combine(b, loc, r.combiner, value, shuffle.getShuffleResult());
      }
      Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, lane,
                                            cst(b, 0));
      b.create<scf::IfOp>(loc, first, [&](OpBuilder &b, Location loc) {
        Value output = op.getDpsInitOperand(0)->get();
        SmallVector<Value> indices = indicesAt(b, loc, maps.back(), dims);
        Value old = b.create<memref::LoadOp>(loc, output, indices);
        b.create<memref::StoreOp>(loc, combine(b, loc, r.combiner, old, value),
                                  output, indices);
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

  void runOnOperation() override {
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
      if (std::optional<Reduction> r = analyze(op, minReduction))
        found.push_back(*r);
    });
    for (Reduction &r : found) {
      rewrite(r);
      ++numReductions;
    }
  }
};
} // namespace
