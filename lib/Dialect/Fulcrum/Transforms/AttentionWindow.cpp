//===- AttentionWindow.cpp - fulcrum-attention-window ---------------------===//
//
// Part of Fulcrum. Local attention: every fulcrum.attention keeps only the
// keys within a window of its query, and global tokens.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_ATTENTIONWINDOW
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;
using namespace fulcrum::fused;

namespace {

struct AttentionWindowPass
    : public fulcrum::fused::impl::AttentionWindowBase<AttentionWindowPass> {
  using AttentionWindowBase::AttentionWindowBase;

  void runOnOperation() override {
    if (window < 0 || globalTokens < 0) {
      getOperation().emitError()
          << "fulcrum-attention-window: window and global-tokens must not be "
             "negative";
      return signalPassFailure();
    }
    Builder b(&getContext());
    getOperation().walk([&](AttentionOp op) {
      op.setWindowAttr(b.getI64IntegerAttr(window));
      op.setGlobalTokensAttr(b.getI64IntegerAttr(globalTokens));
      ++numWindowed;
    });
  }
};

} // namespace
