//===- Decompose.cpp - fulcrum-onnx-decompose -----------------------------===//
//
// Part of Fulcrum. Rewrites composite ONNX operators (SoftmaxCrossEntropyLoss,
// MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv,
// DynamicQuantizeLinear, MeanVarianceNormalization, BatchNormalization in
// training mode) as the simpler ONNX operators they are made
// of, and superseded versions as current ones, so that the lowering needs
// no onnx -> onnx rewrites of its own.
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
constexpr int64_t kOnnxUint8 = 2;
constexpr int64_t kOnnxInt32 = 6;
constexpr int64_t kOnnxDouble = 11;

/// `v` with `count` trailing size-1 dimensions (an Unsqueeze with constant
/// axes), so that numpy broadcasting aligns it further left.
Value unsqueezeTrailing(PatternRewriter &r, Location loc, Value v,
                        int64_t count) {
  auto type = cast<RankedTensorType>(v.getType());
  if (count <= 0)
    return v;
  SmallVector<int64_t> axes, shape(type.getShape());
  for (int64_t i = 0; i < count; ++i) {
    axes.push_back(type.getRank() + i);
    shape.push_back(1);
  }
  auto axesType = RankedTensorType::get({count}, r.getI64Type());
  Value axesValue = r.create<ConstantOp>(
      loc, TypeRange{axesType}, ValueRange{},
      r.getNamedAttr("value", DenseIntElementsAttr::get(axesType, axes)));
  return r.create<UnsqueezeOp>(loc, type.clone(shape), v, axesValue);
}

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
          cast<RankedTensorType>(a.getType()).getRank() >= 2)
        zeroPoint = unsqueezeTrailing(rewriter, loc, zeroPoint, 1);
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

/// The attributes a convolution shares with ConvInteger/QLinearConv.
SmallVector<NamedAttribute> convAttributes(Operation *op) {
  SmallVector<NamedAttribute> attrs;
  for (StringRef name :
       {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})
    if (Attribute a = op->getAttr(name))
      attrs.emplace_back(StringAttr::get(op->getContext(), name), a);
  return attrs;
}

/// `v` (1-D, one value per output channel) unsqueezed to [M, 1, ...] of
/// rank `rank`, so that it broadcasts along the weights' dimension 0.
Value perOutputChannel(PatternRewriter &r, Location loc, Value v,
                       int64_t rank) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() != 1 || type.getDimSize(0) == 1 || rank <= 1)
    return v;
  return unsqueezeTrailing(r, loc, v, rank - 1);
}

/// ConvInteger = Cast<int32>(Conv(x - x_zero_point, w - w_zero_point)) in
/// f64, which holds every int32 sum of 8-bit products exactly (Conv has no
/// integer form). A 1-D w_zero_point is per output channel.
struct DecomposeConvInteger : public OpRewritePattern<ConvIntegerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvIntegerOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto ranked = [](Value v) {
      return isNoValue(v) || isa<RankedTensorType>(v.getType());
    };
    if (!xType || !wType || !yType || !ranked(op.getXZeroPoint()) ||
        !ranked(op.getWZeroPoint()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    Type f64 = rewriter.getF64Type();
    auto toF64 = [&](Value v) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      return rewriter.create<CastOp>(loc, type.clone(f64), v,
                                     rewriter.getI64IntegerAttr(kOnnxDouble));
    };
    auto centered = [&](Value v, Value zeroPoint, bool perChannel) -> Value {
      Value f = toF64(v);
      if (isNoValue(zeroPoint))
        return f;
      Value zp = toF64(zeroPoint);
      if (perChannel)
        zp = perOutputChannel(rewriter, loc, zp, wType.getRank());
      return rewriter.create<SubOp>(loc, f.getType(), f, zp);
    };
    Value x = centered(op.getX(), op.getXZeroPoint(), false);
    Value w = centered(op.getW(), op.getWZeroPoint(), true);
    Value none = rewriter.create<NoValueOp>(loc, rewriter.getNoneType());
    Value y =
        rewriter.create<ConvOp>(loc, TypeRange{yType.clone(f64)},
                                ValueRange{x, w, none}, convAttributes(op));
    rewriter.replaceOpWithNewOp<CastOp>(op, yType, y,
                                        rewriter.getI64IntegerAttr(kOnnxInt32));
    return success();
  }
};

/// QLinearConv = QuantizeLinear(Conv(DequantizeLinear(x),
/// DequantizeLinear(w) per output channel, B * x_scale * w_scale)).
struct DecomposeQLinearConv : public OpRewritePattern<QLinearConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QLinearConvOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto wScaleType = dyn_cast<RankedTensorType>(op.getWScale().getType());
    if (!xType || !wType || !yType || !wScaleType ||
        (!isNoValue(op.getB()) && !isa<RankedTensorType>(op.getB().getType())))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    auto axis0 = rewriter.getI64IntegerAttr(0);
    Value x = rewriter.create<DequantizeLinearOp>(
        loc, xType.clone(f32), op.getX(), op.getXScale(), op.getXZeroPoint(),
        rewriter.getI64IntegerAttr(1));
    Value w = rewriter.create<DequantizeLinearOp>(loc, wType.clone(f32),
                                                  op.getW(), op.getWScale(),
                                                  op.getWZeroPoint(), axis0);
    Value bias = op.getB();
    if (!isNoValue(bias)) {
      auto bType = cast<RankedTensorType>(bias.getType());
      Value scale = rewriter.create<MulOp>(loc, wScaleType, op.getXScale(),
                                           op.getWScale());
      bias = rewriter.create<MulOp>(
          loc, bType.clone(f32),
          rewriter.create<CastOp>(loc, bType.clone(f32), bias,
                                  rewriter.getI64IntegerAttr(1)),
          scale);
    }
    Value y =
        rewriter.create<ConvOp>(loc, TypeRange{yType.clone(f32)},
                                ValueRange{x, w, bias}, convAttributes(op));
    rewriter.replaceOpWithNewOp<QuantizeLinearOp>(
        op, yType, y, op.getYScale(), op.getYZeroPoint(),
        rewriter.getI64IntegerAttr(1));
    return success();
  }
};

/// ReduceMean of `v` over `axes` into `type`, which keeps the reduced
/// dimensions (as size 1) or drops them.
Value reduceMean(PatternRewriter &r, Location loc, Value v,
                 ArrayRef<int64_t> axes, RankedTensorType type) {
  bool keep = type.getRank() == cast<RankedTensorType>(v.getType()).getRank();
  return r.create<ReduceMeanOp>(
      loc, TypeRange{type}, ValueRange{v},
      ArrayRef<NamedAttribute>{
          r.getNamedAttr("axes", r.getDenseI64ArrayAttr(axes)),
          r.getNamedAttr("keepdims", r.getI64IntegerAttr(keep))});
}

/// A 0-d constant of element type `elt`.
Value scalarConstant(PatternRewriter &r, Location loc, Type elt, double v) {
  auto type = RankedTensorType::get({}, elt);
  Attribute value =
      isa<FloatType>(elt)
          ? DenseElementsAttr::get(type, r.getFloatAttr(elt, v))
          : DenseElementsAttr::get(type, r.getIntegerAttr(elt, int64_t(v)));
  return r.create<ConstantOp>(loc, TypeRange{type}, ValueRange{},
                              r.getNamedAttr("value", value));
}

/// DynamicQuantizeLinear (uint8): scale = (max(x, 0) - min(x, 0)) / 255,
/// zero point = round(clip(-min(x, 0) / scale, 0, 255)), then
/// QuantizeLinear with both.
struct DecomposeDynamicQuantizeLinear
    : public OpRewritePattern<DynamicQuantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DynamicQuantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    auto scaleType = dyn_cast<RankedTensorType>(op.getYScale().getType());
    auto zpType = dyn_cast<RankedTensorType>(op.getYZeroPoint().getType());
    if (!isa<RankedTensorType>(op.getX().getType()) || !scaleType || !zpType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    auto keepdims =
        rewriter.getNamedAttr("keepdims", rewriter.getI64IntegerAttr(0));
    Value lo = rewriter.create<ReduceMinOp>(loc, TypeRange{scaleType},
                                            ValueRange{op.getX()},
                                            ArrayRef<NamedAttribute>{keepdims});
    Value hi = rewriter.create<ReduceMaxOp>(loc, TypeRange{scaleType},
                                            ValueRange{op.getX()},
                                            ArrayRef<NamedAttribute>{keepdims});
    Value zero = scalarConstant(rewriter, loc, f32, 0);
    Value qmax = scalarConstant(rewriter, loc, f32, 255);
    lo = rewriter.create<MinOp>(loc, scaleType, ValueRange{lo, zero});
    hi = rewriter.create<MaxOp>(loc, scaleType, ValueRange{hi, zero});
    Value scale = rewriter.create<DivOp>(
        loc, scaleType, rewriter.create<SubOp>(loc, scaleType, hi, lo), qmax);
    Value zp = rewriter.create<SubOp>(
        loc, scaleType, zero,
        rewriter.create<DivOp>(loc, scaleType, lo, scale));
    zp = rewriter.create<RoundOp>(
        loc, scaleType,
        rewriter.create<ClipOp>(loc, scaleType, zp, zero, qmax));
    zp = rewriter.create<CastOp>(loc, zpType, zp,
                                 rewriter.getI64IntegerAttr(kOnnxUint8));
    Value y = rewriter.create<QuantizeLinearOp>(loc, op.getY().getType(),
                                                op.getX(), scale, zp,
                                                rewriter.getI64IntegerAttr(1));
    rewriter.replaceOp(op, {y, scale, zp});
    return success();
  }
};

/// MeanVarianceNormalization = (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9)
/// with the means over `axes` (kept as size-1 dimensions).
struct DecomposeMeanVarianceNormalization
    : public OpRewritePattern<MeanVarianceNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MeanVarianceNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked operand");
    int64_t rank = type.getRank();
    SmallVector<int64_t> meanShape(type.getShape());
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes()) {
      if (a < 0)
        a += rank;
      if (a < 0 || a >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      meanShape[a] = 1;
      axes.push_back(a);
    }
    Location loc = op.getLoc();
    auto meanType = type.clone(meanShape);
    auto mean = [&](Value v) {
      return reduceMean(rewriter, loc, v, axes, meanType);
    };
    Value x = op.getX();
    Value m = mean(x);
    Value meanSquare = mean(rewriter.create<MulOp>(loc, type, x, x));
    Value variance = rewriter.create<SubOp>(
        loc, meanType, meanSquare, rewriter.create<MulOp>(loc, meanType, m, m));
    Value denom = rewriter.create<AddOp>(
        loc, meanType, rewriter.create<SqrtOp>(loc, meanType, variance),
        scalarConstant(rewriter, loc, type.getElementType(), 1e-9));
    rewriter.replaceOpWithNewOp<DivOp>(op, op.getY().getType(),
                                       rewriter.create<SubOp>(loc, type, x, m),
                                       denom);
    return success();
  }
};

/// BatchNormalization in training mode normalizes with the batch's
/// statistics (mean and population variance over all dimensions but the
/// channels) and updates the running ones: input * momentum + batch *
/// (1 - momentum). Per-channel [C] values get trailing size-1 dimensions to
/// broadcast along dimension 1.
struct DecomposeBatchNormTraining
    : public OpRewritePattern<BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getTrainingMode() == 0)
      return rewriter.notifyMatchFailure(op, "inference mode");
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    auto statType = dyn_cast<RankedTensorType>(op.getInputMean().getType());
    if (!type || !statType || type.getRank() < 2 || statType.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Type elt = type.getElementType();
    SmallVector<int64_t> axes{0};
    for (int64_t d = 2; d < rank; ++d)
      axes.push_back(d);
    auto mean = [&](Value v) {
      return reduceMean(rewriter, loc, v, axes, statType);
    };
    auto perChannel = [&](Value v) {
      return unsqueezeTrailing(rewriter, loc, v, rank - 2);
    };
    Value x = op.getX();
    Value batchMean = mean(x);
    Value centered =
        rewriter.create<SubOp>(loc, type, x, perChannel(batchMean));
    Value batchVar =
        mean(rewriter.create<MulOp>(loc, type, centered, centered));
    Value eps =
        scalarConstant(rewriter, loc, elt, op.getEpsilon().convertToFloat());
    Value deviation = rewriter.create<SqrtOp>(
        loc, statType, rewriter.create<AddOp>(loc, statType, batchVar, eps));
    Value y =
        rewriter.create<DivOp>(loc, type, centered, perChannel(deviation));
    y = rewriter.create<MulOp>(loc, type, y, perChannel(op.getScale()));
    y = rewriter.create<AddOp>(loc, type, y, perChannel(op.getB()));
    double momentum = op.getMomentum().convertToFloat();
    Value keep = scalarConstant(rewriter, loc, elt, momentum);
    Value take = scalarConstant(rewriter, loc, elt, 1.0 - momentum);
    auto running = [&](Value input, Value batch) -> Value {
      return rewriter.create<AddOp>(
          loc, statType, rewriter.create<MulOp>(loc, statType, input, keep),
          rewriter.create<MulOp>(loc, statType, batch, take));
    };
    SmallVector<Value> results{y};
    for (auto [result, input, batch] :
         {std::tuple{op.getRunningMean(), op.getInputMean(), batchMean},
          std::tuple{op.getRunningVar(), op.getInputVar(), batchVar}})
      results.push_back(
          isa<NoneType>(result.getType())
              ? rewriter.create<NoValueOp>(loc, rewriter.getNoneType())
                    .getResult()
              : running(input, batch));
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Add/Sub/Mul/Div-6 and -1, and And/Or/Xor/Equal/Greater/Less/Pow-1:
/// with `broadcast`, B matches a contiguous part of A's shape starting at
/// `axis` (the end without it); B gets trailing size-1 dimensions so that
/// numpy broadcasting of the current operator does the same. (Without
/// `broadcast` the shapes are equal; -1's consumed_inputs are only hints.)
template <typename LegacyOp, typename CurrentOp>
struct UpgradeLegacyBroadcast : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op->getOperand(0), b = op->getOperand(1);
    auto aType = dyn_cast<RankedTensorType>(a.getType());
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    if (!aType || !bType || aType.getRank() < bType.getRank())
      return rewriter.notifyMatchFailure(op, "unranked or larger B");
    std::optional<int64_t> axis = op.getAxis();
    if (op.getBroadcast() != 0 && axis) {
      int64_t start = *axis < 0 ? *axis + aType.getRank() : *axis;
      int64_t trailing = aType.getRank() - start - bType.getRank();
      if (start < 0 || trailing < 0)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      b = unsqueezeTrailing(rewriter, op.getLoc(), b, trailing);
    }
    rewriter.replaceOpWithNewOp<CurrentOp>(op, op.getType(), a, b);
    return success();
  }
};

/// Gemm-6 and -1: C is required and `broadcast` allows a C smaller than
/// [M, N]; the current Gemm broadcasts C unidirectionally in any case.
template <typename LegacyOp>
struct UpgradeLegacyGemm : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<GemmOp>(
        op, op.getType(), op.getA(), op.getB(), op.getC(), op.getAlphaAttr(),
        op.getBetaAttr(), op.getTransAAttr(), op.getTransBAttr());
    return success();
  }
};

/// Softmax/LogSoftmax/Hardmax-1 and -11 flatten the input to 2-D at `axis`;
/// over the last axis that is the current operator's softmax along it.
template <typename LegacyOp, typename CurrentOp>
struct UpgradeLegacySoftmax : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked operand");
    int64_t axis =
        op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    if (axis < 0 || axis >= type.getRank())
      return rewriter.notifyMatchFailure(op, "axis out of range");
    if (axis == type.getRank() - 1) {
      rewriter.replaceOpWithNewOp<CurrentOp>(op, op.getType(), op.getInput(),
                                             rewriter.getI64IntegerAttr(axis));
      return success();
    }
    // At an inner axis: along the last axis of the 2-D flattening at
    // `axis`, reshaped back.
    Location loc = op.getLoc();
    auto product = [&](ArrayRef<int64_t> dims) {
      int64_t n = 1;
      for (int64_t d : dims) {
        if (ShapedType::isDynamic(d))
          return ShapedType::kDynamic;
        n *= d;
      }
      return n;
    };
    auto flatType =
        RankedTensorType::get({product(type.getShape().take_front(axis)),
                               product(type.getShape().drop_front(axis))},
                              type.getElementType());
    Value flat = rewriter.create<FlattenOp>(loc, flatType, op.getInput(),
                                            rewriter.getI64IntegerAttr(axis));
    Value result = rewriter.create<CurrentOp>(loc, flatType, flat,
                                              rewriter.getI64IntegerAttr(1));
    Value shape = rewriter.create<ShapeOp>(
        loc, RankedTensorType::get({type.getRank()}, rewriter.getI64Type()),
        op.getInput(), IntegerAttr(), rewriter.getI64IntegerAttr(0));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), result, shape,
                                           rewriter.getI64IntegerAttr(0));
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
        if (isa<SoftmaxCrossEntropyLossOp, MatMulIntegerOp, QLinearMatMulOp,
                ConvIntegerOp, QLinearConvOp, DynamicQuantizeLinearOp,
                MeanVarianceNormalizationOp>(op) ||
            isLegacyVersion(op))
          ++n;
        else if (auto bn = dyn_cast<BatchNormalizationOp>(op))
          n += bn.getTrainingMode() != 0;
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
  patterns.add<DecomposeSoftmaxCrossEntropyLoss, DecomposeDynamicQuantizeLinear,
               DecomposeMeanVarianceNormalization, DecomposeBatchNormTraining,
               UpgradeLegacyBroadcast<AddV6Op, AddOp>,
               UpgradeLegacyBroadcast<SubV6Op, SubOp>,
               UpgradeLegacyBroadcast<MulV6Op, MulOp>,
               UpgradeLegacyBroadcast<DivV6Op, DivOp>,
               UpgradeLegacyBroadcast<AddV1Op, AddOp>,
               UpgradeLegacyBroadcast<SubV1Op, SubOp>,
               UpgradeLegacyBroadcast<MulV1Op, MulOp>,
               UpgradeLegacyBroadcast<DivV1Op, DivOp>,
               UpgradeLegacyBroadcast<AndV1Op, AndOp>,
               UpgradeLegacyBroadcast<OrV1Op, OrOp>,
               UpgradeLegacyBroadcast<XorV1Op, XorOp>,
               UpgradeLegacyBroadcast<EqualV1Op, EqualOp>,
               UpgradeLegacyBroadcast<GreaterV1Op, GreaterOp>,
               UpgradeLegacyBroadcast<LessV1Op, LessOp>,
               UpgradeLegacyBroadcast<PowV1Op, PowOp>,
               UpgradeLegacyGemm<GemmV6Op>, UpgradeLegacyGemm<GemmV1Op>,
               UpgradeLegacySoftmax<SoftmaxV1Op, SoftmaxOp>,
               UpgradeLegacySoftmax<LogSoftmaxV1Op, LogSoftmaxOp>,
               UpgradeLegacySoftmax<SoftmaxV11Op, SoftmaxOp>,
               UpgradeLegacySoftmax<LogSoftmaxV11Op, LogSoftmaxOp>,
               UpgradeLegacySoftmax<HardmaxV1Op, HardmaxOp>,
               UpgradeLegacySoftmax<HardmaxV11Op, HardmaxOp>>(
      patterns.getContext());
  populateLegacyVersionPatterns(patterns);
  if (quantized)
    patterns.add<DecomposeMatMulInteger, DecomposeQLinearMatMul,
                 DecomposeConvInteger, DecomposeQLinearConv>(
        patterns.getContext());
}
