//===- MapParallelLoops.cpp - fulcrum-gpu-map-parallel-loops --------------===//
//
// Part of Fulcrum. The shared GPU mapping: outermost scf.parallel loops a
// kernel can hold are collapsed, tiled to workgroups and threads and
// annotated for convert-parallel-loops-to-gpu.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUMAPPARALLELLOOPS
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {

/// Whether kernels can hold elements of `type` (in buffers and scalars).
bool isKernelElementType(Type type, bool allow64Bit) {
  if (type.isIndex() || type.isF32() || type.isF16() ||
      type.isSignlessInteger(32) || type.isSignlessInteger(16) ||
      type.isSignlessInteger(8) || type.isSignlessInteger(1))
    return true;
  return allow64Bit && (type.isF64() || type.isSignlessInteger(64));
}

/// Whether `op`, inside a loop body, can run in a kernel.
bool isKernelOp(Operation *op, bool allow64Bit) {
  if (isa<memref::LoadOp, memref::StoreOp>(op))
    return true;
  if (isa<scf::ForOp, scf::IfOp, scf::YieldOp, scf::ParallelOp, scf::ReduceOp,
          affine::AffineApplyOp, affine::AffineMinOp, affine::AffineMaxOp>(op))
    return true;
  Dialect *dialect = op->getDialect();
  if (!dialect || !isa<arith::ArithDialect, math::MathDialect>(dialect))
    return false;
  auto typesOk = [&](TypeRange types) {
    return llvm::all_of(types, [&](Type t) {
      return t.isIntOrIndexOrFloat() && isKernelElementType(t, allow64Bit);
    });
  };
  if (!typesOk(op->getOperandTypes()) || !typesOk(op->getResultTypes()))
    return false;
  // GLSL's extended instructions take 16- and 32-bit floats only.
  if (isa<math::MathDialect>(dialect))
    return llvm::all_of(op->getOperandTypes(),
                        [](Type t) { return !t.isF64(); });
  return true;
}

struct GPUMapParallelLoopsPass
    : public fulcrum::impl::GPUMapParallelLoopsBase<GPUMapParallelLoopsPass> {
  using GPUMapParallelLoopsBase::GPUMapParallelLoopsBase;

  /// Whether the whole loop can become one kernel.
  bool canMap(scf::ParallelOp loop) {
    if (loop.getNumResults() != 0)
      return false;
    bool ok = true;
    loop.getBody()->walk([&](Operation *op) {
      if (!isKernelOp(op, allow64Bit)) {
        ok = false;
        return WalkResult::interrupt();
      }
      // Nested parallel loops with reductions stay sequential loops only
      // when they have none.
      if (auto inner = dyn_cast<scf::ParallelOp>(op))
        if (inner.getNumResults() != 0) {
          ok = false;
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (!ok)
      return false;
    // What the kernel captures: memrefs with a static shape and identity
    // layout, and scalars.
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(loop.getRegion(), captured);
    if (static_cast<int64_t>(captured.size()) > maxBuffers)
      return false;
    for (Value value : captured) {
      Type type = value.getType();
      if (auto memref = dyn_cast<MemRefType>(type)) {
        bool staticStrides = memref.getRank() > 0 && allowDynamicLeadingDim
                                 ? !llvm::any_of(memref.getShape().drop_front(),
                                                 ShapedType::isDynamic)
                                 : memref.hasStaticShape();
        if (!staticStrides || !memref.getLayout().isIdentity() ||
            memref.getMemorySpace() ||
            !isKernelElementType(memref.getElementType(), allow64Bit) ||
            memref.getElementType().isIndex())
          return false;
        continue;
      }
      if (!type.isIntOrIndexOrFloat() ||
          !isKernelElementType(type, allow64Bit) || type.isInteger(1))
        return false;
    }
    return true;
  }

  void mapLoop(scf::ParallelOp loop) {
    IRRewriter rewriter(loop.getContext());
    // One dimension: every thread does one iteration of the original nest.
    if (loop.getNumLoops() > 1) {
      std::vector<unsigned> all;
      for (unsigned i = 0; i < loop.getNumLoops(); ++i)
        all.push_back(i);
      rewriter.setInsertionPoint(loop);
      scf::ParallelOp before = loop;
      Operation *prev = loop->getPrevNode();
      Block *block = loop->getBlock();
      collapseParallelLoops(rewriter, before, {all});
      // collapseParallelLoops replaces the loop; find the new one.
      Operation *next = prev ? prev->getNextNode() : &block->front();
      while (next && !isa<scf::ParallelOp>(next))
        next = next->getNextNode();
      loop = cast<scf::ParallelOp>(next);
    }
    // A static trip count decides whether threads must loop.
    int64_t trips = ShapedType::kDynamic;
    {
      auto lb = getConstantIntValue(loop.getLowerBound()[0]);
      auto ub = getConstantIntValue(loop.getUpperBound()[0]);
      auto step = getConstantIntValue(loop.getStep()[0]);
      if (lb && ub && step && *step > 0)
        trips = std::max<int64_t>(0, (*ub - *lb + *step - 1) / *step);
    }
    // Small loops get small workgroups.
    int64_t lanes = workgroupSize;
    int64_t perThread = 1;
    if (trips != ShapedType::kDynamic) {
      lanes = std::max<int64_t>(1, std::min<int64_t>(lanes, trips));
      int64_t groups = (trips + lanes - 1) / lanes;
      perThread = (groups + maxWorkgroups - 1) / maxWorkgroups;
    }
    MLIRContext *ctx = loop.getContext();
    auto dim = [&](gpu::Processor processor) {
      return gpu::ParallelLoopDimMappingAttr::get(
          ctx, processor, AffineMap::getMultiDimIdentityMap(1, ctx),
          AffineMap::getMultiDimIdentityMap(1, ctx));
    };
    // Tiles of workgroupSize * perThread iterations; inside, perThread
    // chunks of workgroupSize (sequential), each spread over the threads.
    auto [outer, inner] = scf::tileParallelLoop(loop, {lanes * perThread},
                                                /*noMinMaxBounds=*/true);
    scf::ParallelOp threads = inner;
    if (perThread > 1) {
      auto [chunks, laneLoop] = scf::tileParallelLoop(inner, {lanes}, true);
      (void)gpu::setMappingAttr(chunks, {dim(gpu::Processor::Sequential)});
      threads = laneLoop;
    }
    (void)gpu::setMappingAttr(outer, {dim(gpu::Processor::BlockX)});
    (void)gpu::setMappingAttr(threads, {dim(gpu::Processor::ThreadX)});
    // Parallel loops inside the body run sequentially in each thread.
    threads.getBody()->walk([&](scf::ParallelOp nested) {
      SmallVector<gpu::ParallelLoopDimMappingAttr> seq(
          nested.getNumLoops(), dim(gpu::Processor::Sequential));
      (void)gpu::setMappingAttr(nested, seq);
    });
  }

  /// Whether `op`, at the top of the function, is serial work a kernel of
  /// one thread can take: a load, a store, arithmetic, or a loop nest of
  /// them whose constant trip counts multiply to at most
  /// `max-serial-iterations`. `iterations` counts the nest's.
  bool isSerialWork(Operation *op, int64_t &iterations) {
    if (isa<scf::ForOp>(op)) {
      int64_t trips = 1;
      bool ok = true;
      op->walk([&](Operation *inner) {
        if (auto loop = dyn_cast<scf::ForOp>(inner)) {
          auto lb = getConstantIntValue(loop.getLowerBound());
          auto ub = getConstantIntValue(loop.getUpperBound());
          auto step = getConstantIntValue(loop.getStep());
          if (!lb || !ub || !step || *step <= 0) {
            ok = false;
            return WalkResult::interrupt();
          }
          trips *= std::max<int64_t>(1, (*ub - *lb + *step - 1) / *step);
        }
        if (!isKernelOp(inner, allow64Bit) || isa<scf::ParallelOp>(inner)) {
          ok = false;
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      // Nested loops multiply: the walk's product overcounts siblings,
      // which only makes the bound stricter.
      iterations = trips;
      return ok && trips <= maxSerialIterations;
    }
    iterations = 1;
    return op->getNumRegions() == 0 && isKernelOp(op, allow64Bit);
  }

  /// Runs of serial work between kernels (a reduction to one value, the
  /// arithmetic on a single element that a rank-0 op leaves after
  /// convert-linalg-to-parallel-loops) become one-iteration scf.parallel
  /// loops, so that they run as a kernel of one thread instead of on the
  /// host, where reading their inputs would wait for every kernel queued
  /// before them.
  void wrapSerialWork(Block &block) {
    SmallVector<SmallVector<Operation *>> runs(1);
    for (Operation &op : block) {
      int64_t iterations = 0;
      if (isa<arith::ConstantOp>(op))
        continue; // constants stay outside; the kernel captures them
      if (!op.hasTrait<OpTrait::IsTerminator>() &&
          isSerialWork(&op, iterations)) {
        runs.back().push_back(&op);
        continue;
      }
      if (!runs.back().empty())
        runs.emplace_back();
    }
    for (ArrayRef<Operation *> run : runs) {
      // Work: at least one store.
      bool stores = llvm::any_of(run, [](Operation *op) {
        bool found = false;
        op->walk([&](memref::StoreOp) { found = true; });
        return found;
      });
      if (!stores)
        continue;
      // Values the run computes for ops after it stay on the host.
      llvm::SmallPtrSet<Operation *, 16> inRun(run.begin(), run.end());
      bool escapes = llvm::any_of(run, [&](Operation *op) {
        return llvm::any_of(op->getUsers(), [&](Operation *user) {
          return !inRun.contains(block.findAncestorOpInBlock(*user));
        });
      });
      if (escapes)
        continue;
      // Constants between the run's ops move above it.
      SmallVector<Operation *> constants;
      for (Operation *op = run.front(); op != run.back();
           op = op->getNextNode())
        if (isa<arith::ConstantOp>(op))
          constants.push_back(op);
      for (Operation *op : constants)
        op->moveBefore(run.front());
      OpBuilder b(run.front());
      Location loc = run.front()->getLoc();
      Value c0 = b.create<arith::ConstantIndexOp>(loc, 0);
      Value c1 = b.create<arith::ConstantIndexOp>(loc, 1);
      auto loop = b.create<scf::ParallelOp>(loc, ValueRange{c0}, ValueRange{c1},
                                            ValueRange{c1});
      Operation *end = loop.getBody()->getTerminator();
      for (Operation *op : run)
        op->moveBefore(end);
      if (!canMap(loop)) {
        // Back where they were.
        for (Operation *op : run)
          op->moveBefore(loop);
        loop.erase();
        continue;
      }
      ++numSerial;
    }
  }

  void runOnOperation() override {
    for (Block &block : getOperation().getBody())
      wrapSerialWork(block);
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<gpu::LaunchOp>())
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      if (!canMap(loop)) {
        ++numHost;
        continue;
      }
      mapLoop(loop);
      ++numMapped;
    }
  }
};
} // namespace
