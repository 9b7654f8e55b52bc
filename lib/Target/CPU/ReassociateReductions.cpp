//===- ReassociateReductions.cpp - fulcrum-cpu-reassociate-reductions -----===//
//
// Part of Fulcrum. Reduction combiners get the `reassoc` fast-math flag so
// that LLVM vectorizes the reduction loops.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUREASSOCIATEREDUCTIONS
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter markedCount("fulcrum-cpu-reassociate-reductions",
                                        "Reduction combiners marked");

namespace {
struct CPUReassociateReductionsPass
    : public fulcrum::impl::CPUReassociateReductionsBase<
          CPUReassociateReductionsPass> {
  void runOnOperation() override {
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.getNumReductionLoops() == 0)
        return;
      Block &body = op.getRegion().front();
      for (OpOperand &init : op.getDpsInitsMutable()) {
        BlockArgument acc = op.getMatchingBlockArgument(&init);
        for (Operation *user : acc.getUsers()) {
          if (!isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp,
                   arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp>(
                  user) ||
              user->getBlock() != &body)
            continue;
          auto fastmath = cast<arith::ArithFastMathInterface>(user);
          auto flags = fastmath.getFastMathFlagsAttr().getValue();
          user->setAttr(
              fastmath.getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(
                  &getContext(), flags | arith::FastMathFlags::reassoc));
          ++numMarked;
          ++markedCount;
        }
      }
    });
  }
};
} // namespace
