//===- FuseElementwise.cpp - fulcrum-fuse-elementwise ---------------------===//
//
// Part of Fulcrum. Element-wise fusion that leaves named linalg ops alone.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fulcrum {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {

/// Fusion and reshape propagation may touch an operand only when every
/// linalg op involved is a generic (a named op would become one) and the
/// producer has no other use. The ops of a lowered `fulcrum.attention`
/// (tagged `fulcrum.attention_id`) and the generics of quantized
/// contractions (their tags name them for the kernels) stay as they are.
bool onlyGenerics(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  Operation *consumer = fused->getOwner();
  if (!producer || !producer->hasOneUse())
    return false;
  for (Operation *op : {producer, consumer})
    if (op->hasAttr("fulcrum.attention_id"))
      return false;
  for (Operation *op : {producer, consumer})
    if ((isa<linalg::LinalgOp>(op) && !isa<linalg::GenericOp>(op)) ||
        op->hasAttr("fulcrum.qcontraction") ||
        op->hasAttr("fulcrum.requantize"))
      return false;
  return true;
}

/// Whether fusing `fused` would compute a costly producer again for every
/// element it is broadcast to: the consumer reads the producer's result
/// through a map that drops loop dimensions, and the producer divides or
/// computes a square root or transcendental function. (LayerNormalization's
/// 1/sqrt(variance + epsilon), one per row, would become one per element.)
bool recomputesCostlyBroadcast(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  if (!consumer || !producer ||
      consumer.getMatchingIndexingMap(fused).getNumResults() >=
          consumer.getNumLoops())
    return false;
  return llvm::any_of(producer.getBody()->getOperations(), [](Operation &op) {
    return isa<arith::DivFOp, arith::RemFOp, math::SqrtOp, math::RsqrtOp,
               math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
               math::Log2Op, math::Log1pOp, math::ErfOp, math::TanhOp,
               math::PowFOp, math::SinOp, math::CosOp, math::TanOp,
               math::AtanOp, math::Atan2Op>(op);
  });
}

/// Element-wise fusion: as onlyGenerics allows, unless it would recompute
/// a costly producer per broadcast element.
bool fusable(OpOperand *fused) {
  return onlyGenerics(fused) && !recomputesCostlyBroadcast(fused);
}

struct FuseElementwisePass
    : public fulcrum::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, fusable);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, onlyGenerics);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, onlyGenerics);
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true; // as upstream, for compile time
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns),
                                            config)))
      return signalPassFailure();
  }
};

} // namespace
