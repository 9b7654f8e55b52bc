//===- Random.cpp - Lowering of the random operators ----------------------===//
//
// Part of Fulcrum. RandomUniform(Like), RandomNormal(Like), Bernoulli and
// Multinomial. Every draw is a counter-based hash (splitmix64, see
// hashUniform) of the operator's seed and the element's row-major
// position, so the results are deterministic: the same seed gives the same
// values on every run, target and thread count, and no state is carried
// between calls. Without a seed attribute the seed is 0 (the ONNX
// specification leaves it to the runtime). A normal draw is Box-Muller of
// two uniforms (counters 2i and 2i + 1); a Bernoulli draw compares one
// uniform with the probability; a Multinomial draw inverts the cumulative
// distribution of the softmax of the row's unnormalized log-probabilities.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

uint64_t seedOf(std::optional<APFloat> seed) {
  return seed ? static_cast<uint64_t>(
                    static_cast<int64_t>(seed->convertToDouble()))
              : 0;
}

/// An f32 value converted to the float type `type`.
Value fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  auto f = cast<FloatType>(type);
  if (f.getWidth() > 32)
    return b.create<arith::ExtFOp>(loc, type, v);
  if (f.getWidth() < 32)
    return b.create<arith::TruncFOp>(loc, type, v);
  return v;
}

/// Replaces `op` (one float result, sized like `like` where dynamic) by a
/// generic that yields `element(position, element type)` per element.
LogicalResult replaceWithDraws(
    Operation *op, Value like, const TypeConverter &tc,
    ConversionPatternRewriter &rewriter,
    function_ref<Value(OpBuilder &, Location, Value, Type)> element) {
  auto type = getRankedResultType(op, 0, tc, rewriter);
  if (!type || !isa<FloatType>(type.getElementType()))
    return refuse(op, rewriter, "the result is not a ranked float tensor");
  Location loc = op->getLoc();
  Value init = like ? createEmptyLike(rewriter, loc, type, {like})
                    : createEmpty(rewriter, loc, type, {});
  int64_t rank = type.getRank();
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange) {
        Value pos = linearPosition(b, l, init, rank);
        b.create<linalg::YieldOp>(l, element(b, l, pos, type.getElementType()));
      });
  rewriter.replaceOp(op, generic.getResult(0));
  return success();
}

/// RandomUniform and RandomUniformLike: low + (high - low) * u.
template <typename OpTy>
struct RandomUniformLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value like;
    if constexpr (std::is_same_v<OpTy, RandomUniformLikeOp>)
      like = adaptor.getInput();
    double low = op.getLow().convertToDouble();
    double range = op.getHigh().convertToDouble() - low;
    uint64_t seed = seedOf(op.getSeed());
    return replaceWithDraws(
        op, like, *this->getTypeConverter(), rewriter,
        [&](OpBuilder &b, Location l, Value pos, Type elt) {
          Type f32 = b.getF32Type();
          Value u = hashUniform(b, l, pos, seed, f32);
          Value v = b.create<arith::AddFOp>(
              l, createScalar(b, l, f32, low),
              b.create<arith::MulFOp>(l, u, createScalar(b, l, f32, range)));
          return fromF32(b, l, v, elt);
        });
  }
};

/// RandomNormal and RandomNormalLike: mean + scale * z, z standard normal
/// by Box-Muller: sqrt(-2 ln(1 - u1)) cos(2 pi u2).
template <typename OpTy>
struct RandomNormalLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value like;
    if constexpr (std::is_same_v<OpTy, RandomNormalLikeOp>)
      like = adaptor.getInput();
    double mean = op.getMean().convertToDouble();
    double scale = op.getScale().convertToDouble();
    uint64_t seed = seedOf(op.getSeed());
    return replaceWithDraws(
        op, like, *this->getTypeConverter(), rewriter,
        [&](OpBuilder &b, Location l, Value pos, Type elt) {
          Type f32 = b.getF32Type();
          auto c64 = [&](int64_t v) -> Value {
            return b.create<arith::ConstantIntOp>(l, v, 64);
          };
          Value twice = b.create<arith::MulIOp>(l, pos, c64(2));
          Value u1 = hashUniform(b, l, twice, seed, f32);
          Value u2 = hashUniform(
              b, l, b.create<arith::AddIOp>(l, twice, c64(1)), seed, f32);
          // 1 - u1 is in (0, 1]: its logarithm is finite.
          Value r = b.create<math::SqrtOp>(
              l, b.create<arith::MulFOp>(
                     l, createScalar(b, l, f32, -2.0),
                     b.create<math::LogOp>(
                         l, b.create<arith::SubFOp>(
                                l, createScalar(b, l, f32, 1.0), u1))));
          Value z = b.create<arith::MulFOp>(
              l, r,
              b.create<math::CosOp>(
                  l, b.create<arith::MulFOp>(
                         l, u2,
                         createScalar(b, l, f32, 2.0 * llvm::numbers::pi))));
          Value v = b.create<arith::AddFOp>(
              l, createScalar(b, l, f32, mean),
              b.create<arith::MulFOp>(l, z, createScalar(b, l, f32, scale)));
          return fromF32(b, l, v, elt);
        });
  }
};

/// 1 or 0 of the (float, integer or boolean) type `type` for `bit`.
Value fromBit(OpBuilder &b, Location loc, Value bit, Type type) {
  if (type.isInteger(1))
    return bit;
  return b.create<arith::SelectOp>(loc, bit, createScalar(b, loc, type, 1.0),
                                   createScalar(b, loc, type, 0.0));
}

/// Bernoulli: 1 where u < p.
struct BernoulliLowering : public OpConversionPattern<BernoulliOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BernoulliOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type || !inType || !isa<FloatType>(inType.getElementType()))
      return refuse(op, rewriter,
                    "the probabilities are not a ranked float "
                    "tensor");
    Location loc = op.getLoc();
    uint64_t seed = seedOf(op.getSeed());
    int64_t rank = type.getRank();
    Value input = adaptor.getInput();
    Value init = createEmptyLike(rewriter, loc, type, {input});
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{input}, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type pType = inType.getElementType();
          Value u = hashUniform(b, l, linearPosition(b, l, input, rank), seed,
                                b.getF32Type());
          Value bit = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT,
                                              fromF32(b, l, u, pType), args[0]);
          b.create<linalg::YieldOp>(l,
                                    fromBit(b, l, bit, type.getElementType()));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Multinomial: per row b of unnormalized log-probabilities x[b, :] and
/// sample s, the class k of the first cumulative probability above
/// u(b, s): the number of classes whose cumulative weight
/// cdf[b, c] = sum_{k <= c} exp(x[b, k] - max_k x[b, k]) is below
/// u * cdf[b, C - 1] (clamped to C - 1).
struct MultinomialLowering : public OpConversionPattern<MultinomialOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MultinomialOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type || !inType || inType.getRank() != 2 || type.getRank() != 2 ||
        !isa<FloatType>(inType.getElementType()) ||
        !isa<IntegerType>(type.getElementType()))
      return refuse(op, rewriter,
                    "not a [batch, classes] float input with an "
                    "integer result");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    uint64_t seed = seedOf(op.getSeed());
    Value x = adaptor.getInput();
    Type elt = inType.getElementType();
    Value batch = getDimSize(rewriter, loc, x, 0);
    Value classes = getDimSize(rewriter, loc, x, 1);
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    auto map = [&](ArrayRef<AffineExpr> e) {
      return AffineMap::get(3, 0, e, ctx);
    };
    // The row maxima.
    auto rowType = RankedTensorType::get({inType.getDimSize(0)}, elt);
    SmallVector<Value> rowSizes;
    if (rowType.isDynamicDim(0))
      rowSizes.push_back(batch);
    Value lowest = rewriter.create<arith::ConstantOp>(
        loc, getExtremeValue(rewriter, elt, /*isUnsigned=*/false,
                             /*lowest=*/true));
    Value maxInit = createFilled(rewriter, loc, rowType, rowSizes, lowest);
    Value rowMax =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{rowType}, ValueRange{x}, ValueRange{maxInit},
                SmallVector<AffineMap>{AffineMap::get(2, 0, {d0, d1}, ctx),
                                       AffineMap::get(2, 0, {d0}, ctx)},
                SmallVector<utils::IteratorType>{par, red},
                [&](OpBuilder &b, Location l, ValueRange args) {
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::MaximumFOp>(l, args[0], args[1])
                             .getResult());
                })
            .getResult(0);
    // cdf[b, c] = sum over k <= c of exp(x[b, k] - max[b]).
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < 2; ++d)
      if (inType.isDynamicDim(d))
        sizes.push_back(d == 0 ? batch : classes);
    Value cdfInit = createFilled(rewriter, loc, inType, sizes, 0.0);
    Value cdf =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{inType}, ValueRange{x, rowMax},
                ValueRange{cdfInit},
                SmallVector<AffineMap>{map({d0, d2}), map({d0}), map({d0, d1})},
                SmallVector<utils::IteratorType>{par, par, red},
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value c = b.create<linalg::IndexOp>(l, 1);
                  Value k = b.create<linalg::IndexOp>(l, 2);
                  Value w = b.create<math::ExpOp>(
                      l, b.create<arith::SubFOp>(l, args[0], args[1]));
                  Value inside = b.create<arith::CmpIOp>(
                      l, arith::CmpIPredicate::ule, k, c);
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::SelectOp>(
                              l, inside, b.create<arith::AddFOp>(l, args[2], w),
                              args[2])
                             .getResult());
                })
            .getResult(0);
    // The samples: count of cdf[b, c] < u * cdf[b, C - 1].
    Type idx = type.getElementType();
    SmallVector<Value> outSizes;
    if (type.isDynamicDim(0))
      outSizes.push_back(batch);
    Value countInit = createFilled(rewriter, loc, type, outSizes, 0.0);
    Value last = rewriter.create<arith::SubIOp>(
        loc, classes, rewriter.create<arith::ConstantIndexOp>(loc, 1));
    int64_t samples = type.getDimSize(1);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{cdf}, ValueRange{countInit},
        SmallVector<AffineMap>{map({d0, d2}), map({d0, d1})},
        SmallVector<utils::IteratorType>{par, par, red},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type i64 = b.getI64Type();
          Value row = b.create<arith::IndexCastOp>(
              l, i64, b.create<linalg::IndexOp>(l, 0));
          Value sample = b.create<arith::IndexCastOp>(
              l, i64, b.create<linalg::IndexOp>(l, 1));
          Value pos = b.create<arith::AddIOp>(
              l,
              b.create<arith::MulIOp>(
                  l, row, b.create<arith::ConstantIntOp>(l, samples, 64)),
              sample);
          Value u =
              fromF32(b, l, hashUniform(b, l, pos, seed, b.getF32Type()), elt);
          Value total = b.create<tensor::ExtractOp>(
              l, cdf, ValueRange{b.create<linalg::IndexOp>(l, 0), last});
          Value below =
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, args[0],
                                      b.create<arith::MulFOp>(l, u, total));
          // Not the last class: a draw never goes past it.
          Value counted = b.create<arith::AndIOp>(
              l, below,
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult,
                                      b.create<linalg::IndexOp>(l, 2), last));
          b.create<linalg::YieldOp>(
              l,
              b.create<arith::AddIOp>(l, args[1], fromBit(b, l, counted, idx))
                  .getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateRandomPatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<RandomUniformLowering<RandomUniformOp>,
               RandomUniformLowering<RandomUniformLikeOp>,
               RandomNormalLowering<RandomNormalOp>,
               RandomNormalLowering<RandomNormalLikeOp>, BernoulliLowering,
               MultinomialLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
