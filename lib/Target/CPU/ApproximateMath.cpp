//===- ApproximateMath.cpp - fulcrum-cpu-approximate-math -----------------===//
//
// Part of Fulcrum. Transcendental functions as polynomials, so that the
// loops computing them vectorize.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUAPPROXIMATEMATH
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {
struct CPUApproximateMathPass
    : public fulcrum::impl::CPUApproximateMathBase<CPUApproximateMathPass> {
  void runOnOperation() override {
    // Only the functions whose approximations are accurate to a few ulp
    // (upstream's asin/acos are not: 3.6e-2 off on ONNX's tests).
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<math::ExpOp, math::ExpM1Op, math::LogOp, math::Log1pOp,
              math::Log2Op, math::ErfOp, math::TanhOp, math::AtanOp,
              math::Atan2Op, math::SinOp, math::CosOp, math::CbrtOp>(op) &&
          getElementTypeOrSelf(op->getResult(0).getType()).isF32())
        ops.push_back(op);
    });
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    GreedyRewriteConfig config;
    // Ops the rewrites create (log1p makes a log) are rewritten too.
    config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
    (void)applyOpPatternsAndFold(ops, std::move(patterns), config);
  }
};
} // namespace
