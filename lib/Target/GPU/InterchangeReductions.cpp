//===- InterchangeReductions.cpp - fulcrum-gpu-interchange-reductions -----===//
//
// Part of Fulcrum. Puts the parallel dimensions of linalg ops before their
// reductions, so that the loops convert-linalg-to-parallel-loops makes nest
// the reductions inside one scf.parallel (one kernel) rather than around
// it (a host loop of launches).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUINTERCHANGEREDUCTIONS
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {

/// The permutation that lists the parallel dimensions of `iterators`
/// first, then the reductions (each in their order); empty when no
/// reduction comes before a parallel dimension.
SmallVector<unsigned> parallelFirst(ArrayRef<utils::IteratorType> iterators) {
  SmallVector<unsigned> order;
  for (auto [i, kind] : llvm::enumerate(iterators))
    if (kind == utils::IteratorType::parallel)
      order.push_back(i);
  for (auto [i, kind] : llvm::enumerate(iterators))
    if (kind != utils::IteratorType::parallel)
      order.push_back(i);
  for (auto [i, dim] : llvm::enumerate(order))
    if (dim != i)
      return order;
  return {};
}

struct GPUInterchangeReductions
    : fulcrum::impl::GPUInterchangeReductionsBase<GPUInterchangeReductions> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!parallelFirst(op.getIteratorTypesArray()).empty())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<unsigned> order = parallelFirst(op.getIteratorTypesArray());
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      if (succeeded(linalg::interchangeGenericOp(rewriter, generic, order)))
        ++numInterchanged;
    }
  }
};

} // namespace
