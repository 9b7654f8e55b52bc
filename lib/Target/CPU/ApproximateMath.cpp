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
/// erf(x) = x P(x^2) / Q(x^2) on x clamped to [-4, 4] (beyond, erf is +-1
/// in f32): 12 multiply-adds and one division, within 4.2e-7 (7 ulp near
/// +-1, 2e-7 relative near 0) of erf on the whole line (the rational form
/// Eigen uses for float). Upstream's approximation selects between three
/// intervals' coefficients and took three times the instructions: GELU
/// was the costliest element-wise loop of the ViTs and the encoder.
/// NaN stays NaN (arith.maximumf and minimumf propagate it).
struct ErfAsRational : public OpRewritePattern<math::ErfOp> {
  explicit ErfAsRational(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](double value) -> Value {
      FloatAttr attr = rewriter.getF32FloatAttr(static_cast<float>(value));
      if (auto vector = dyn_cast<VectorType>(type))
        return rewriter.create<arith::ConstantOp>(
            loc, DenseElementsAttr::get(vector, attr));
      return rewriter.create<arith::ConstantOp>(loc, attr);
    };
    Value x = rewriter.create<arith::MaximumFOp>(loc, op.getOperand(),
                                                 constant(-4.0));
    x = rewriter.create<arith::MinimumFOp>(loc, x, constant(4.0));
    Value x2 = rewriter.create<arith::MulFOp>(loc, x, x);
    // Horner's rule in x^2, coefficients from the highest power down.
    auto horner = [&](ArrayRef<double> coefficients) {
      Value sum = constant(coefficients.front());
      for (double c : coefficients.drop_front())
        sum = rewriter.create<math::FmaOp>(loc, sum, x2, constant(c));
      return sum;
    };
    Value p = rewriter.create<arith::MulFOp>(
        loc,
        horner({-2.72614225801306e-10, 2.77068142495902e-08,
                -2.10102402082508e-06, -5.69250639462346e-05,
                -7.34990630326855e-04, -2.95459980854025e-03,
                -1.60960333262415e-02}),
        x);
    Value q = horner({-1.45660718464996e-05, -2.13374055278905e-04,
                      -1.68282697438203e-03, -7.37332916720468e-03,
                      -1.42647390514189e-02});
    rewriter.replaceOpWithNewOp<arith::DivFOp>(op, p, q);
    return success();
  }
};

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
    patterns.add<ErfAsRational>(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    GreedyRewriteConfig config;
    // Ops the rewrites create (log1p makes a log) are rewritten too.
    config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
    (void)applyOpPatternsAndFold(ops, std::move(patterns), config);
  }
};
} // namespace
