//===- Normalization.cpp - Lowering of normalization ops ------------------===//
//
// Part of Fulcrum. BatchNormalization (inference) is one element-wise
// generic with per-channel operands; Softmax, LogSoftmax and
// LayerNormalization are reductions over the normalized dimensions followed
// by an element-wise generic.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <limits>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// Reduces `x` over the dimensions in `reduced` (the result drops them) with
/// `combine`, starting from `initValue`. With `extraInputs` (one tensor
/// shaped like the result, e.g. a mean), `transform` receives
/// `x - extra`; otherwise it receives `x`; it may be null.
Value reduce(
    OpBuilder &b, Location loc, Value x, ArrayRef<bool> reduced,
    double initValue,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine,
    function_ref<Value(OpBuilder &, Location, Value)> transform = nullptr,
    ValueRange extraInputs = {}, ArrayRef<AffineMap> extraMaps = {}) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  ReductionLoops loops = getReductionLoops(b, loc, x, reduced);
  auto outType = loops.getType(type.getElementType());
  Value init = createFilled(b, loc, outType, loops.dynamicSizes, initValue);
  SmallVector<Value> inputs = {x};
  inputs.append(extraInputs.begin(), extraInputs.end());
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  maps.append(extraMaps.begin(), extraMaps.end());
  maps.push_back(loops.resultMap);
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{outType}, inputs, ValueRange{init}, maps,
          loops.iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value v = args[0];
            if (transform)
              v = transform(
                  nb, l,
                  extraInputs.empty()
                      ? v
                      : nb.create<arith::SubFOp>(l, v, args[1]).getResult());
            nb.create<linalg::YieldOp>(l, combine(nb, l, v, args.back()));
          })
      .getResult(0);
}

/// The map that reads a reduced tensor (without the `reduced` dims) from
/// the full loop nest.
AffineMap reducedMap(MLIRContext *ctx, ArrayRef<bool> reduced) {
  SmallVector<AffineExpr> exprs;
  for (auto [d, r] : llvm::enumerate(reduced))
    if (!r)
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(reduced.size(), 0, exprs, ctx);
}

Value addF(OpBuilder &b, Location l, Value x, Value y) {
  return b.create<arith::AddFOp>(l, x, y);
}
Value maxF(OpBuilder &b, Location l, Value x, Value y) {
  return b.create<arith::MaximumFOp>(l, x, y);
}

/// An element-wise generic over `like`'s shape.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType type, Value like,
                  ValueRange inputs, ArrayRef<AffineMap> maps,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = type.getRank();
  SmallVector<AffineMap> all(maps.begin(), maps.end());
  all.push_back(b.getMultiDimIdentityMap(rank));
  Value out = createEmptyLike(b, loc, type, {like});
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{type}, inputs, ValueRange{out}, all,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            nb.create<linalg::YieldOp>(l, body(nb, l, args));
          })
      .getResult(0);
}

/// Mean and 1/sqrt(variance + epsilon) of `x` over the `reduced`
/// dimensions (each without those dimensions): the statistics of
/// LayerNormalization and InstanceNormalization.
std::pair<Value, Value> meanAndInvStdDev(OpBuilder &b, Location loc, Value x,
                                         ArrayRef<bool> reduced,
                                         double epsilon) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  SmallVector<int64_t> dims;
  for (auto [d, r] : llvm::enumerate(reduced))
    if (r)
      dims.push_back(d);
  Value n = countElements(b, loc, x, dims, elt);
  // sum / n, or 1/sqrt(sum / n + epsilon).
  auto divide = [&](Value sum, bool invSqrt) {
    auto type = cast<RankedTensorType>(sum.getType());
    return elementwise(b, loc, type, sum, ValueRange{sum},
                       {b.getMultiDimIdentityMap(type.getRank())},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         Value m = nb.create<arith::DivFOp>(l, a[0], n);
                         if (!invSqrt)
                           return m;
                         return nb.create<math::RsqrtOp>(
                             l, nb.create<arith::AddFOp>(
                                    l, m, createScalar(nb, l, elt, epsilon)));
                       });
  };
  Value mean = divide(reduce(b, loc, x, reduced, 0.0, addF), false);
  Value invStd =
      divide(reduce(b, loc, x, reduced, 0.0, addF,
                    [](OpBuilder &nb, Location l, Value d) -> Value {
                      return nb.create<arith::MulFOp>(l, d, d);
                    },
                    ValueRange{mean}, {reducedMap(b.getContext(), reduced)}),
             true);
  return {mean, invStd};
}

template <typename SoftmaxOpTy>
struct SoftmaxLowering : public OpConversionPattern<SoftmaxOpTy> {
  using OpConversionPattern<SoftmaxOpTy>::OpConversionPattern;
  using OpAdaptor = typename SoftmaxOpTy::Adaptor;
  static constexpr bool isLog = std::is_same_v<SoftmaxOpTy, LogSoftmaxOp>;

  LogicalResult
  matchAndRewrite(SoftmaxOpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    SmallVector<bool> reduced(rank, false);
    reduced[axis] = true;
    Value x = adaptor.getInput();
    Value max = reduce(rewriter, loc, x, reduced,
                       -std::numeric_limits<double>::infinity(), maxF);
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap rmap = reducedMap(ctx, reduced);
    // sum(exp(x - max))
    Value sum = reduce(rewriter, loc, x, reduced, 0.0, addF,
                       [](OpBuilder &b, Location l, Value d) -> Value {
                         return b.create<math::ExpOp>(l, d);
                       },
                       ValueRange{max}, {rmap});
    Value result = elementwise(
        rewriter, loc, type, x, ValueRange{x, max, sum}, {id, rmap, rmap},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
          if (isLog)
            return b.create<arith::SubFOp>(l, d,
                                           b.create<math::LogOp>(l, a[2]));
          return b.create<arith::DivFOp>(l, b.create<math::ExpOp>(l, d), a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BatchNormLowering : public OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTrainingMode())
      return rewriter.notifyMatchFailure(op, "training mode");
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    double eps = op.getEpsilon().convertToDouble();
    Type elt = type.getElementType();
    Value y = elementwise(
        rewriter, loc, type, adaptor.getX(),
        ValueRange{adaptor.getX(), adaptor.getScale(), adaptor.getB(),
                   adaptor.getInputMean(), adaptor.getInputVar()},
        {rewriter.getMultiDimIdentityMap(rank), channel, channel, channel,
         channel},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value centered = b.create<arith::SubFOp>(l, a[0], a[3]);
          Value denom = b.create<math::SqrtOp>(
              l,
              b.create<arith::AddFOp>(l, a[4], createScalar(b, l, elt, eps)));
          Value normalized = b.create<arith::DivFOp>(l, centered, denom);
          return b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, normalized, a[1]), a[2]);
        });
    SmallVector<Value> results = {y};
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      results.push_back(
          rewriter.create<onnx::NoValueOp>(loc, rewriter.getNoneType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LayerNormLowering : public OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    Type elt = type.getElementType();
    SmallVector<bool> reduced(rank, false);
    for (int64_t d = axis; d < rank; ++d)
      reduced[d] = true;
    Value x = adaptor.getX();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap rmap = reducedMap(ctx, reduced);
    auto [mean, invStd] = meanAndInvStdDev(rewriter, loc, x, reduced,
                                           op.getEpsilon().convertToDouble());
    // Scale and B broadcast to the normalized dimensions (right-aligned).
    SmallVector<Value> inputs = {x, mean, invStd};
    SmallVector<AffineMap> maps = {id, rmap, rmap};
    for (Value v : {adaptor.getScale(), adaptor.getB()}) {
      if (isa<NoneType>(v.getType()))
        continue;
      inputs.push_back(v);
      maps.push_back(getBroadcastMap(
          ctx, rank, cast<RankedTensorType>(v.getType()), type));
    }
    bool hasBias = !isNoValue(op.getB());
    Value y =
        elementwise(rewriter, loc, type, x, inputs, maps,
                    [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                      Value v = b.create<arith::MulFOp>(
                          l, b.create<arith::SubFOp>(l, a[0], a[1]), a[2]);
                      v = b.create<arith::MulFOp>(l, v, a[3]);
                      if (hasBias)
                        v = b.create<arith::AddFOp>(l, v, a[4]);
                      return v;
                    });
    // Mean and InvStdDev keep the normalized dimensions as size 1.
    SmallVector<Value> results = {y};
    SmallVector<Value> stats = {mean, invStd};
    for (auto [i, stat] : llvm::enumerate(stats)) {
      Value r = op->getResult(i + 1);
      if (isa<NoneType>(r.getType())) {
        results.push_back(
            rewriter.create<onnx::NoValueOp>(loc, rewriter.getNoneType()));
        continue;
      }
      auto rType = dyn_cast_or_null<RankedTensorType>(
          getTypeConverter()->convertType(r.getType()));
      if (!rType || rType.getElementType() != elt)
        return rewriter.notifyMatchFailure(op, "stash type differs");
      SmallVector<ReassociationIndices> reassoc;
      for (int64_t d = 0; d < axis; ++d)
        reassoc.push_back({d});
      // With axis 0 the statistics are scalars: an empty reassociation
      // expands them to 1 x ... x 1.
      if (!reassoc.empty())
        for (int64_t d = axis; d < rank; ++d)
          reassoc.back().push_back(d);
      results.push_back(
          rewriter.create<tensor::ExpandShapeOp>(loc, rType, stat, reassoc));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// InstanceNormalization: per (n, c), normalize over the spatial dims.
struct InstanceNormLowering
    : public OpConversionPattern<InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(InstanceNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    Value x = adaptor.getInput();
    SmallVector<bool> reduced(rank, true);
    reduced[0] = reduced[1] = false;
    AffineMap rmap = reducedMap(ctx, reduced);
    auto [mean, invStd] = meanAndInvStdDev(rewriter, loc, x, reduced,
                                           op.getEpsilon().convertToDouble());
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value y = elementwise(
        rewriter, loc, type, x,
        ValueRange{x, mean, invStd, adaptor.getScale(), adaptor.getB()},
        {rewriter.getMultiDimIdentityMap(rank), rmap, rmap, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = b.create<arith::MulFOp>(
              l, b.create<arith::SubFOp>(l, a[0], a[1]), a[2]);
          return b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, v, a[3]),
                                         a[4]);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// LRN: x / (bias + alpha / size * sum of x^2 over a channel window)^beta.
struct LRNLowering : public OpConversionPattern<LRNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LRNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank(), size = op.getSize();
    int64_t before = (size - 1) / 2;
    Type elt = type.getElementType();
    Value x = adaptor.getX();
    Value channels = getDimSize(rewriter, loc, x, 1);
    Value window =
        rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{size}, elt);
    Value init =
        rewriter
            .create<linalg::FillOp>(loc, createScalar(rewriter, loc, elt, 0.0),
                                    createEmptyLike(rewriter, loc, type, {x}))
            .getResult(0);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value sums =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{type}, ValueRange{window}, ValueRange{init},
                SmallVector<AffineMap>{
                    AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)},
                                   ctx),
                    AffineMap::getMultiDimIdentityMap(rank + 1, ctx)
                        .getMajorSubMap(rank)},
                iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  SmallVector<Value> coords;
                  for (int64_t d = 0; d < rank; ++d)
                    coords.push_back(b.create<linalg::IndexOp>(l, d));
                  Value c = b.create<arith::SubIOp>(
                      l,
                      b.create<arith::AddIOp>(
                          l, coords[1], b.create<linalg::IndexOp>(l, rank)),
                      b.create<arith::ConstantIndexOp>(l, before));
                  Value inside = b.create<arith::AndIOp>(
                      l,
                      b.create<arith::CmpIOp>(
                          l, arith::CmpIPredicate::sge, c,
                          b.create<arith::ConstantIndexOp>(l, 0)),
                      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, c,
                                              channels));
                  coords[1] = b.create<arith::SelectOp>(
                      l, inside, c, b.create<arith::ConstantIndexOp>(l, 0));
                  Value v = b.create<tensor::ExtractOp>(l, x, coords);
                  Value sq = b.create<arith::SelectOp>(
                      l, inside, b.create<arith::MulFOp>(l, v, v),
                      createScalar(b, l, elt, 0.0));
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::AddFOp>(l, args[1], sq).getResult());
                })
            .getResult(0);
    double alpha = op.getAlpha().convertToDouble(),
           beta = op.getBeta().convertToDouble(),
           bias = op.getBias().convertToDouble();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    Value y = elementwise(
        rewriter, loc, type, x, ValueRange{x, sums}, {id, id},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value d = b.create<arith::AddFOp>(
              l, createScalar(b, l, elt, bias),
              b.create<arith::MulFOp>(l, a[1],
                                      createScalar(b, l, elt, alpha / size)));
          return b.create<arith::DivFOp>(
              l, a[0],
              b.create<math::PowFOp>(l, d, createScalar(b, l, elt, beta)));
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(const TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<SoftmaxOp>, SoftmaxLowering<LogSoftmaxOp>,
               BatchNormLowering, LayerNormLowering, InstanceNormLowering,
               LRNLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
