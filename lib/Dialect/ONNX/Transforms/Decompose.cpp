//===- Decompose.cpp - fulcrum-onnx-decompose -----------------------------===//
//
// Part of Fulcrum. Rewrites composite ONNX operators (SoftmaxCrossEntropyLoss,
// MatMulInteger, QLinearMatMul) as the simpler ONNX operators they are made
// of, so that the lowering needs no onnx -> onnx rewrites of its own.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXDECOMPOSE
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;

static fulcrum::PassCounter decomposedCount("fulcrum-onnx-decompose",
                                            "Operations decomposed");
using namespace fulcrum::onnx;

namespace {

/// ONNX TensorProto data types used as Cast's `to`.
constexpr int64_t kOnnxInt32 = 6;

/// SoftmaxCrossEntropyLoss = NegativeLogLikelihoodLoss(LogSoftmax(scores)).
struct DecomposeSoftmaxCrossEntropyLoss
    : public OpRewritePattern<SoftmaxCrossEntropyLossOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxCrossEntropyLossOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logProb = rewriter.create<LogSoftmaxOp>(
        loc, op.getScores().getType(), op.getScores(),
        rewriter.getI64IntegerAttr(1));
    Value loss = rewriter.create<NegativeLogLikelihoodLossOp>(
        loc, op.getOutput().getType(), logProb, op.getLabels(), op.getWeights(),
        op.getIgnoreIndexAttr(), op.getReductionAttr());
    SmallVector<Value> results = {loss};
    if (op->getNumResults() > 1)
      results.push_back(
          isa<NoneType>(op.getLogProb().getType())
              ? rewriter.create<NoValueOp>(loc, rewriter.getNoneType())
                    .getResult()
              : logProb);
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// MatMulInteger = MatMul((A - a_zp) as i32, (B - b_zp) as i32). A 1-D
/// a_zero_point is per row of A: it becomes [M, 1] to broadcast along M.
struct DecomposeMatMulInteger : public OpRewritePattern<MatMulIntegerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulIntegerOp op,
                                PatternRewriter &rewriter) const override {
    auto ranked = [](Value v) {
      return isNoValue(v) || isa<RankedTensorType>(v.getType());
    };
    if (!ranked(op.getA()) || !ranked(op.getB()) ||
        !ranked(op.getAZeroPoint()) || !ranked(op.getBZeroPoint()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    auto toI32 = [&](Value v) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      return rewriter.create<CastOp>(
          loc, RankedTensorType::get(type.getShape(), rewriter.getI32Type()), v,
          rewriter.getI64IntegerAttr(kOnnxInt32));
    };
    auto subtract = [&](Value x, Value zeroPoint) -> Value {
      return rewriter.create<SubOp>(loc, x.getType(), x, zeroPoint);
    };
    Value a = toI32(op.getA()), b = toI32(op.getB());
    if (!isNoValue(op.getAZeroPoint())) {
      Value zeroPoint = toI32(op.getAZeroPoint());
      auto zpType = cast<RankedTensorType>(zeroPoint.getType());
      if (zpType.getRank() == 1 &&
          cast<RankedTensorType>(a.getType()).getRank() >= 2) {
        auto axesType = RankedTensorType::get({1}, rewriter.getI64Type());
        Value axes = rewriter.create<ConstantOp>(
            loc, TypeRange{axesType}, ValueRange{},
            rewriter.getNamedAttr(
                "value", DenseIntElementsAttr::get(axesType, int64_t(1))));
        zeroPoint = rewriter.create<UnsqueezeOp>(
            loc,
            RankedTensorType::get({zpType.getDimSize(0), 1},
                                  rewriter.getI32Type()),
            zeroPoint, axes);
      }
      a = subtract(a, zeroPoint);
    }
    if (!isNoValue(op.getBZeroPoint()))
      b = subtract(b, toI32(op.getBZeroPoint()));
    rewriter.replaceOpWithNewOp<MatMulOp>(op, op.getY().getType(), a, b);
    return success();
  }
};

/// QLinearMatMul = QuantizeLinear(MatMul(DequantizeLinear(A),
/// DequantizeLinear(B))). 1-D scales and zero points are per row of A
/// (axis rank - 2) and per column of B (axis rank - 1).
struct DecomposeQLinearMatMul : public OpRewritePattern<QLinearMatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QLinearMatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto aType = dyn_cast<RankedTensorType>(op.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(op.getB().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!aType || !bType || !yType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    auto f32Like = [&](RankedTensorType t) {
      return RankedTensorType::get(t.getShape(), rewriter.getF32Type());
    };
    auto axis = [&](RankedTensorType t, int64_t fromEnd) {
      return rewriter.getI64IntegerAttr(
          std::max<int64_t>(0, t.getRank() - fromEnd));
    };
    Value a = rewriter.create<DequantizeLinearOp>(
        loc, f32Like(aType), op.getA(), op.getAScale(), op.getAZeroPoint(),
        axis(aType, 2));
    Value b = rewriter.create<DequantizeLinearOp>(
        loc, f32Like(bType), op.getB(), op.getBScale(), op.getBZeroPoint(),
        axis(bType, 1));
    Value y = rewriter.create<MatMulOp>(loc, f32Like(yType), a, b);
    rewriter.replaceOpWithNewOp<QuantizeLinearOp>(
        op, yType, y, op.getYScale(), op.getYZeroPoint(),
        rewriter.getI64IntegerAttr(1));
    return success();
  }
};

struct ONNXDecomposePass
    : public fulcrum::onnx::impl::ONNXDecomposeBase<ONNXDecomposePass> {
  using ONNXDecomposeBase::ONNXDecomposeBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateONNXDecomposePatterns(patterns, quantized);
    auto count = [&] {
      unsigned n = 0;
      getOperation().walk([&](Operation *op) {
        if (isa<SoftmaxCrossEntropyLossOp, MatMulIntegerOp, QLinearMatMulOp>(
                op))
          ++n;
      });
      return n;
    };
    unsigned before = count();
    // Only the operators there are now: what the rewrites create is left
    // as it is.
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingOps;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns),
                                            config)))
      return signalPassFailure();
    numDecomposed += before - count();
    decomposedCount += before - count();
  }
};

} // namespace

void fulcrum::onnx::populateONNXDecomposePatterns(RewritePatternSet &patterns,
                                                  bool quantized) {
  patterns.add<DecomposeSoftmaxCrossEntropyLoss>(patterns.getContext());
  if (quantized)
    patterns.add<DecomposeMatMulInteger, DecomposeQLinearMatMul>(
        patterns.getContext());
}
