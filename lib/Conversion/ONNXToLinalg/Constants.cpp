//===- Constants.cpp - Lowering of constants and generators
//-----------------===//
//
// Part of Fulcrum. Constant (dense and dense_resource weights
// kept as they are), ConstantOfShape, Range, EyeLike and the Hann, Hamming
// and Blackman windows: tensors made from attributes or index arithmetic.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// Initializers with at most this many elements are lowered to dense<>.
constexpr int64_t kMaxDenseResourceElements = 64;

/// Small initializers become dense<>: lowerings read scalar operands with
/// tensor.extract, which upstream folds crash on for dense_resource
/// (llvm/llvm-project#114728), and a rank-0 dense_resource global crashes
/// the memref-to-LLVM lowering. Large ones stay blobs.
ElementsAttr denseIfSmall(ElementsAttr value, RankedTensorType type) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource || type.getNumElements() > kMaxDenseResourceElements ||
      type.getElementType().isInteger(1))
    return value;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return value;
  bool splat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, blob->getData(), splat))
    return value;
  return DenseElementsAttr::getFromRawBuffer(type, blob->getData());
}

/// Casts `attr` (dense or dense_resource) to the signless `type`.
ElementsAttr toSignlessElements(ElementsAttr attr, RankedTensorType type) {
  if (attr.getType() == type)
    return attr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.bitcast(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return nullptr;
}

/// Replaces `op` by an arith.constant of `value` (small blobs as dense<>),
/// or fails on a missing value or string elements.
LogicalResult replaceByConstant(Operation *op, RankedTensorType type,
                                ElementsAttr value,
                                ConversionPatternRewriter &rewriter) {
  if (!value || isa<onnx::StringType>(type.getElementType()))
    return rewriter.notifyMatchFailure(op, "unsupported constant");
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(
      op, type, cast<TypedAttr>(denseIfSmall(value, type)));
  return success();
}

/// Constant-1 has only the `value` attribute.
struct ConstantV1Lowering : public OpConversionPattern<ConstantV1Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantV1Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    ElementsAttr value =
        type ? toSignlessElements(op.getValue(), type) : nullptr;
    return replaceByConstant(op, type, value, rewriter);
  }
};

struct ConstantLowering : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return failure();
    ElementsAttr value;
    if (auto v = op.getValueAttr())
      value = toSignlessElements(v, type);
    else if (auto f = op.getValueFloatAttr())
      value = DenseElementsAttr::get(type, f.getValue());
    else if (auto fs = op.getValueFloatsAttr())
      value = DenseElementsAttr::get(type, fs.asArrayRef());
    else if (auto i = op.getValueIntAttr())
      value = DenseElementsAttr::get(type, i.getInt());
    else if (auto is = op.getValueIntsAttr())
      value = DenseElementsAttr::get(type, is.asArrayRef());
    return replaceByConstant(op, type, value, rewriter);
  }
};

struct ConstantOfShapeLowering : public OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Attribute element = rewriter.getZeroAttr(type.getElementType());
    if (auto value = op.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "unsupported value");
      element = dense.bitcast(type.getElementType()).getSplatValue<Attribute>();
    }
    if (type.hasStaticShape()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, type, DenseElementsAttr::get(type, element));
      return success();
    }
    // Sizes read from the shape operand at run time.
    Location loc = op.getLoc();
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(rewriter.create<arith::IndexCastOp>(
            loc, rewriter.getIndexType(),
            rewriter.create<tensor::ExtractOp>(
                loc, adaptor.getInput(),
                ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, d)})));
    Value value =
        rewriter.create<arith::ConstantOp>(loc, cast<TypedAttr>(element));
    rewriter.replaceOp(op, createFilled(rewriter, loc, type, dynamic, value));
    return success();
  }
};

/// Range: out[i] = start + i * delta, n = max(ceil((limit - start) / delta),
/// 0).
struct RangeLowering : public OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || type.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Location loc = op.getLoc();
    Type elt = type.getElementType();
    bool isFloat = isa<FloatType>(elt);
    auto scalar = [&](Value t) {
      return rewriter.create<tensor::ExtractOp>(loc, t, ValueRange{})
          .getResult();
    };
    Value start = scalar(adaptor.getStart()),
          limit = scalar(adaptor.getLimit()),
          delta = scalar(adaptor.getDelta());
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0)) {
      Value n;
      if (isFloat) {
        Value q = rewriter.create<math::CeilOp>(
            loc,
            rewriter.create<arith::DivFOp>(
                loc, rewriter.create<arith::SubFOp>(loc, limit, start), delta));
        n = rewriter.create<arith::FPToSIOp>(loc, rewriter.getI64Type(), q);
      } else {
        // ceil((limit - start) / delta) for either sign of delta.
        Value diff = rewriter.create<arith::SubIOp>(loc, limit, start);
        n = rewriter.create<arith::CeilDivSIOp>(loc, diff, delta);
        if (elt.getIntOrFloatBitWidth() < 64)
          n = rewriter.create<arith::ExtSIOp>(loc, rewriter.getI64Type(), n);
      }
      Value zero = rewriter.create<arith::ConstantIntOp>(loc, 0, 64);
      n = rewriter.create<arith::MaxSIOp>(loc, n, zero);
      dynamic.push_back(
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), n));
    }
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), indices[0]);
          Value v;
          if (isFloat) {
            Value f = b.create<arith::SIToFPOp>(l, elt, i);
            v = b.create<arith::AddFOp>(l, start,
                                        b.create<arith::MulFOp>(l, f, delta));
          } else {
            Value c = elt.getIntOrFloatBitWidth() == 64
                          ? i
                          : b.create<arith::TruncIOp>(l, elt, i).getResult();
            v = b.create<arith::AddIOp>(l, start,
                                        b.create<arith::MulIOp>(l, c, delta));
          }
          return v;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// EyeLike: ones on the k-th diagonal.
struct EyeLikeLowering : public OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EyeLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || type.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "not a matrix");
    int64_t k = op.getK();
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, op.getLoc(),
        createEmptyLike(rewriter, op.getLoc(), type, {adaptor.getInput()}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Value i = indices[0], j = indices[1];
          Value hit = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::eq,
              b.create<arith::AddIOp>(l, i,
                                      b.create<arith::ConstantIndexOp>(l, k)),
              j);
          Value one = elt.isInteger(1)
                          ? b.create<arith::ConstantIntOp>(l, 1, 1).getResult()
                          : createScalar(b, l, elt, 1.0);
          Value zero = elt.isInteger(1)
                           ? b.create<arith::ConstantIntOp>(l, 0, 1).getResult()
                           : createScalar(b, l, elt, 0.0);
          return b.create<arith::SelectOp>(l, hit, one, zero);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Hann, Hamming and Blackman windows: a cosine series in n over the
/// (static) output length; N is the length when periodic, length - 1
/// otherwise.
template <typename OpTy>
struct WindowLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    if (!type || !type.hasStaticShape() || type.getRank() != 1 ||
        !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "dynamic or integer window");
    int64_t length = type.getDimSize(0);
    double n = op.getPeriodic() ? length : length - 1;
    // Coefficients of 1, cos(2 pi k / N), cos(4 pi k / N).
    double a0, a1, a2 = 0;
    if constexpr (std::is_same_v<OpTy, HannWindowOp>) {
      a0 = 0.5, a1 = -0.5;
    } else if constexpr (std::is_same_v<OpTy, HammingWindowOp>) {
      a0 = 25.0 / 46, a1 = -21.0 / 46;
    } else {
      a0 = 0.42, a1 = -0.5, a2 = 0.08;
    }
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, op.getLoc(), createEmpty(rewriter, op.getLoc(), type, {}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Type f64 = b.getF64Type();
          Value k = b.create<arith::SIToFPOp>(
              l, f64,
              b.create<arith::IndexCastOp>(l, b.getI64Type(), indices[0]));
          Value angle = b.create<arith::MulFOp>(
              l, k, createScalar(b, l, f64, 2 * M_PI / n));
          Value v = b.create<arith::AddFOp>(
              l, createScalar(b, l, f64, a0),
              b.create<arith::MulFOp>(l, createScalar(b, l, f64, a1),
                                      b.create<math::CosOp>(l, angle)));
          if (a2 != 0)
            v = b.create<arith::AddFOp>(
                l, v,
                b.create<arith::MulFOp>(
                    l, createScalar(b, l, f64, a2),
                    b.create<math::CosOp>(
                        l, b.create<arith::MulFOp>(
                               l, angle, createScalar(b, l, f64, 2)))));
          return castScalar(b, l, v, f64, elt);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateConstantPatterns(const TypeConverter &tc,
                              RewritePatternSet &patterns) {
  patterns
      .add<ConstantLowering, ConstantV1Lowering, ConstantOfShapeLowering,
           RangeLowering, EyeLikeLowering, WindowLowering<HannWindowOp>,
           WindowLowering<HammingWindowOp>, WindowLowering<BlackmanWindowOp>>(
          tc, patterns.getContext());
}

} // namespace fulcrum::lowering
