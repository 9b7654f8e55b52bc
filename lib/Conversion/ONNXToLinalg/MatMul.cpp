//===- MatMul.cpp - Lowering of MatMul and Gemm ---------------------------===//
//
// Part of Fulcrum. Both become a zero-initialized `linalg.generic` reduction
// (batch dimensions broadcast numpy-style); Gemm's alpha/beta/C epilogue is
// a second, element-wise generic that the element-wise fusion folds in.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// acc + a * b for the element type.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value a, Value x,
                         Value acc) {
  if (isa<FloatType>(a.getType()))
    return b.create<arith::AddFOp>(loc, acc, b.create<arith::MulFOp>(loc, a, x));
  return b.create<arith::AddIOp>(loc, acc, b.create<arith::MulIOp>(loc, a, x));
}

/// A zero-filled tensor of `type` with the given dynamic sizes.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type,
            ValueRange dynamicSizes) {
  Value empty = createEmpty(b, loc, type, dynamicSizes);
  Value zero = createScalar(b, loc, type.getElementType(), 0.0);
  return b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
}

/// Dynamic output sizes: for each dynamic result dim, a (value, dim) source.
SmallVector<Value>
dynamicSizes(OpBuilder &b, Location loc, RankedTensorType type,
             ArrayRef<std::pair<Value, int64_t>> sources) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(sources[d].first
                          ? getDimSize(b, loc, sources[d].first,
                                       sources[d].second)
                          : b.create<arith::ConstantIndexOp>(loc, 1));
  return sizes;
}

struct MatMulLowering : public OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!resultType || !aType || !bType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    bool aVec = aType.getRank() == 1, bVec = bType.getRank() == 1;
    int64_t rank = resultType.getRank();
    int64_t batch = rank - (aVec ? 0 : 1) - (bVec ? 0 : 1);
    int64_t loops = rank + 1;
    AffineExpr k = getAffineDimExpr(rank, ctx);
    auto batchExprs = [&](RankedTensorType t, int64_t own) {
      SmallVector<AffineExpr> exprs;
      int64_t offset = batch - own;
      for (int64_t d = 0; d < own; ++d) {
        bool broadcast = !t.isDynamicDim(d) && t.getDimSize(d) == 1 &&
                         resultType.getDimSize(d + offset) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(d + offset, ctx));
      }
      return exprs;
    };
    int64_t m = batch, n = batch + (aVec ? 0 : 1);
    SmallVector<AffineExpr> aExprs =
        batchExprs(aType, aType.getRank() - (aVec ? 1 : 2));
    if (!aVec)
      aExprs.push_back(getAffineDimExpr(m, ctx));
    aExprs.push_back(k);
    SmallVector<AffineExpr> bExprs =
        batchExprs(bType, bType.getRank() - (bVec ? 1 : 2));
    bExprs.push_back(k);
    if (!bVec)
      bExprs.push_back(getAffineDimExpr(n, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, aExprs, ctx),
        AffineMap::get(loops, 0, bExprs, ctx),
        AffineMap::getMultiDimIdentityMap(loops, ctx).getMajorSubMap(rank)};

    // Output sizes: batch dims from a non-broadcast operand, M from A, N
    // from B.
    SmallVector<std::pair<Value, int64_t>> sources(rank, {Value(), 0});
    struct Operand {
      Value value;
      RankedTensorType type;
      int64_t batchRank;
    };
    Operand ops[] = {
        {adaptor.getA(), aType, aType.getRank() - (aVec ? 1 : 2)},
        {adaptor.getB(), bType, bType.getRank() - (bVec ? 1 : 2)}};
    for (int64_t d = 0; d < batch; ++d) {
      for (const Operand &o : ops) {
        auto [v, t, own] = o;
        int64_t sd = d - (batch - own);
        if (sd >= 0 && (t.isDynamicDim(sd) || t.getDimSize(sd) != 1)) {
          sources[d] = {v, sd};
          break;
        }
      }
    }
    if (!aVec)
      sources[m] = {adaptor.getA(), aType.getRank() - 2};
    if (!bVec)
      sources[n] = {adaptor.getB(), bType.getRank() - 1};
    Value init = zeros(rewriter, loc, resultType,
                       dynamicSizes(rewriter, loc, resultType, sources));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, ValueRange{adaptor.getA(), adaptor.getB()},
        ValueRange{init}, maps, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(
              l, multiplyAccumulate(b, l, args[0], args[1], args[2]));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct GemmLowering : public OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    bool transA = op.getTransA(), transB = op.getTransB();
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, transA ? ArrayRef<AffineExpr>{k, m}
                                    : ArrayRef<AffineExpr>{m, k}, ctx),
        AffineMap::get(3, 0, transB ? ArrayRef<AffineExpr>{n, k}
                                    : ArrayRef<AffineExpr>{k, n}, ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    SmallVector<std::pair<Value, int64_t>> sources = {
        {adaptor.getA(), transA ? 1 : 0}, {adaptor.getB(), transB ? 0 : 1}};
    Value init = zeros(rewriter, loc, resultType,
                       dynamicSizes(rewriter, loc, resultType, sources));
    Value product =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{resultType},
                ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{init},
                maps,
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction},
                [](OpBuilder &b, Location l, ValueRange args) {
                  b.create<linalg::YieldOp>(
                      l, multiplyAccumulate(b, l, args[0], args[1], args[2]));
                })
            .getResult(0);

    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    bool hasC = !isNoValue(op.getC()) && beta != 0.0;
    if (alpha == 1.0 && !hasC) {
      rewriter.replaceOp(op, product);
      return success();
    }
    // Y = alpha * AB + beta * C (C broadcast to M x N).
    SmallVector<Value> inputs = {product};
    SmallVector<AffineMap> epilogueMaps = {
        rewriter.getMultiDimIdentityMap(2)};
    if (hasC) {
      auto cType = cast<RankedTensorType>(adaptor.getC().getType());
      inputs.push_back(adaptor.getC());
      epilogueMaps.push_back(getBroadcastMap(ctx, 2, cType, resultType));
    }
    epilogueMaps.push_back(rewriter.getMultiDimIdentityMap(2));
    Value out = createEmptyLike(rewriter, loc, resultType, {product});
    bool isFloat = isa<FloatType>(resultType.getElementType());
    auto epilogue = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, inputs, ValueRange{out}, epilogueMaps,
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type t = args[0].getType();
          auto mul = [&](Value x, double f) -> Value {
            if (f == 1.0)
              return x;
            Value c = createScalar(b, l, t, f);
            return isFloat ? b.create<arith::MulFOp>(l, x, c).getResult()
                           : b.create<arith::MulIOp>(l, x, c).getResult();
          };
          Value y = mul(args[0], alpha);
          if (hasC) {
            Value c = mul(args[1], beta);
            y = isFloat ? b.create<arith::AddFOp>(l, y, c).getResult()
                        : b.create<arith::AddIOp>(l, y, c).getResult();
          }
          b.create<linalg::YieldOp>(l, y);
        });
    rewriter.replaceOp(op, epilogue.getResults());
    return success();
  }
};

} // namespace

void populateMatMulPatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
