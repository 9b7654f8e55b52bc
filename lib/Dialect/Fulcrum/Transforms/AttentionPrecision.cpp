//===- AttentionPrecision.cpp - fulcrum-attention-precision ---------------===//
//
// Part of Fulcrum. Reduced precision for attention: every fulcrum.attention
// gets fulcrum.precision, which its lowering and the CPU kernel honour.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_ATTENTIONPRECISION
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;
using namespace fulcrum::fused;

namespace {

struct AttentionPrecisionPass
    : public fulcrum::fused::impl::AttentionPrecisionBase<
          AttentionPrecisionPass> {
  using AttentionPrecisionBase::AttentionPrecisionBase;

  void runOnOperation() override {
    if (precision != "bf16" && precision != "fp32") {
      getOperation().emitError()
          << "fulcrum-attention-precision: precision must be bf16 or fp32, "
             "not '"
          << precision << "'";
      return signalPassFailure();
    }
    auto value = StringAttr::get(&getContext(), precision);
    getOperation().walk([&](AttentionOp op) {
      if (precision == "fp32") {
        op->removeAttr(kPrecisionAttr);
        return;
      }
      op->setAttr(kPrecisionAttr, value);
      ++numAnnotated;
    });
  }
};

} // namespace
