//===- Quantized.cpp - Lowering of fulcrum.qconv and fulcrum.qgemm --------===//
//
// Part of Fulcrum. A quantized contraction becomes two linalg.generic ops
// on tensors, the reference form of its integer arithmetic that any target
// can run:
//
//   acc = sum (x - x_zero_point) * w        i32, tagged fulcrum.qcontraction
//   y   = requantize(acc + bias)            tagged fulcrum.requantize
//
// (the input padded with its zero point first). The tags carry what a
// target's kernels need to take both over (the CPU target's
// fulcrum-cpu-quantized-to-kernel); element-wise fusion leaves tagged ops
// alone.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace fulcrum::onnx;
namespace fused = fulcrum::fused;

namespace fulcrum::lowering {
namespace {

/// A constant per-channel vector held as a resource blob rather than a
/// `dense` attribute: element-wise fusion folds splat `dense` inputs into
/// a generic's body and rebuilds it without its tag.
template <typename T>
Value perChannelConstant(OpBuilder &b, Location loc, RankedTensorType type,
                         ArrayRef<T> values) {
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
  return b.create<arith::ConstantOp>(
      loc, DenseResourceElementsAttr::get(type, "fulcrum_requantize",
                                          std::move(blob)));
}

/// `bias` (an i32 vector), as perChannelConstant when it is a splat.
Value keepBias(OpBuilder &b, Location loc, Value bias) {
  DenseIntElementsAttr dense;
  if (!bias || !matchPattern(bias, m_Constant(&dense)) || !dense.isSplat())
    return bias;
  SmallVector<int32_t> values(dense.getNumElements(),
                              dense.getSplatValue<APInt>().getSExtValue());
  return perChannelConstant<int32_t>(
      b, loc, cast<RankedTensorType>(bias.getType()), values);
}

/// The requantizing generic over `acc` (rank r; output channels at
/// dimension `channelDim`) into a tensor of `resultType`.
Value requantize(OpBuilder &b, Location loc, Operation *op, Value acc,
                 Value bias, RankedTensorType resultType, int64_t channelDim,
                 int64_t channels) {
  MLIRContext *ctx = b.getContext();
  fused::Requantization rq = fused::getRequantization(op, channels);
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  Type elt = toSignless(resultType.getElementType());
  SmallVector<Value> inputs = {acc};
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap perChannel =
      AffineMap::get(rank, 0, b.getAffineDimExpr(channelDim), ctx);
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    inputs.push_back(keepBias(b, loc, bias));
    maps.push_back(perChannel);
  }
  if (rq.mode != fused::Requantization::Mode::I32) {
    auto multType = RankedTensorType::get({channels}, b.getF32Type());
    inputs.push_back(
        perChannelConstant<float>(b, loc, multType, rq.multipliers));
    maps.push_back(perChannel);
  }
  maps.push_back(identity);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (accType.isDynamicDim(d))
      dynamicSizes.push_back(b.create<tensor::DimOp>(loc, acc, d));
  Value init = createEmpty(b, loc, resultType.clone(elt), dynamicSizes);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value a = args[0];
        if (bias)
          a = nb.create<arith::AddIOp>(l, a, args[1]);
        if (rq.mode == fused::Requantization::Mode::I32) {
          nb.create<linalg::YieldOp>(l, a);
          return;
        }
        Value m = args[bias ? 2 : 1];
        Value f = nb.create<arith::SIToFPOp>(l, nb.getF32Type(), a);
        Value t = nb.create<arith::MulFOp>(l, f, m);
        if (rq.mode == fused::Requantization::Mode::F32) {
          nb.create<linalg::YieldOp>(l, t);
          return;
        }
        auto f32 = [&](double v) {
          return nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(v));
        };
        Value r = nb.create<math::RoundEvenOp>(l, t);
        r = nb.create<arith::AddFOp>(l, r, f32(rq.zeroPoint));
        r = nb.create<arith::MaximumFOp>(l, r, f32(rq.lo));
        r = nb.create<arith::MinimumFOp>(l, r, f32(rq.hi));
        Value i = nb.create<arith::FPToSIOp>(l, nb.getI32Type(), r);
        nb.create<linalg::YieldOp>(
            l, nb.create<arith::TruncIOp>(l, elt, i).getResult());
      });
  const char *mode = rq.mode == fused::Requantization::Mode::Bytes ? "bytes"
                     : rq.mode == fused::Requantization::Mode::F32 ? "f32"
                                                                   : "i32";
  generic->setAttr(
      fused::kRequantizeAttr,
      b.getDictionaryAttr({
          b.getNamedAttr("mode", b.getStringAttr(mode)),
          b.getNamedAttr("y_zero_point", b.getI64IntegerAttr(rq.zeroPoint)),
          b.getNamedAttr("lo", b.getI64IntegerAttr(rq.lo)),
          b.getNamedAttr("hi", b.getI64IntegerAttr(rq.hi)),
      }));
  return generic.getResult(0);
}

/// The contraction's body: acc + (x - zp) * w in i32.
void contractionBody(OpBuilder &b, Location loc, ValueRange args,
                     bool signedInput, int64_t zeroPoint) {
  Type i32 = b.getI32Type();
  Value x = signedInput
                ? b.create<arith::ExtSIOp>(loc, i32, args[0]).getResult()
                : b.create<arith::ExtUIOp>(loc, i32, args[0]).getResult();
  if (zeroPoint != 0)
    x = b.create<arith::SubIOp>(
        loc, x, b.create<arith::ConstantIntOp>(loc, zeroPoint, 32));
  Value w = b.create<arith::ExtSIOp>(loc, i32, args[1]);
  Value sum =
      b.create<arith::AddIOp>(loc, args[2], b.create<arith::MulIOp>(loc, x, w));
  b.create<linalg::YieldOp>(loc, sum);
}

DictionaryAttr contractionTag(OpBuilder &b, StringRef kind, bool signedInput,
                              int64_t zeroPoint,
                              ArrayRef<NamedAttribute> extra = {}) {
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("kind", b.getStringAttr(kind)),
      b.getNamedAttr("x_signed", b.getBoolAttr(signedInput)),
      b.getNamedAttr("x_zero_point", b.getI64IntegerAttr(zeroPoint))};
  llvm::append_range(attrs, extra);
  return b.getDictionaryAttr(attrs);
}

struct QConvLowering : public OpConversionPattern<fused::QConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::QConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto xType = cast<RankedTensorType>(op.getX().getType());
    auto wType = cast<RankedTensorType>(op.getW().getType());
    bool signedInput = !xType.getElementType().isUnsignedInteger();
    int64_t zp = op.getXZeroPoint();
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                      dilations = op.getDilations();
    Value x = padTensor(
        rewriter, loc, adaptor.getX(), {0, 0, pads[0], pads[1]},
        {0, 0, pads[2], pads[3]},
        rewriter.create<arith::ConstantIntOp>(loc, zp, 8).getResult());
    int64_t f = wType.getDimSize(0);
    auto accType = resultType.clone(rewriter.getI32Type());
    SmallVector<Value> dynamicSizes;
    if (accType.isDynamicDim(0))
      dynamicSizes.push_back(rewriter.create<tensor::DimOp>(loc, x, 0));
    for (int64_t d = 1; d < 4; ++d)
      if (accType.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic spatial sizes");
    Value acc = createFilled(rewriter, loc, accType, dynamicSizes, 0.0);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    bool depthwise = op.getGroup() != 1;
    // Loops n, f, oh, ow | c, kh, kw; depthwise: n, c, oh, ow | kh, kw
    // (channel c reads channel c only).
    unsigned loops = depthwise ? 6 : 7, kh = depthwise ? 4 : 5;
    AffineExpr channel = depthwise ? d(1) : d(4);
    AffineMap xMap =
        AffineMap::get(loops, 0,
                       {d(0), channel, d(2) * strides[0] + d(kh) * dilations[0],
                        d(3) * strides[1] + d(kh + 1) * dilations[1]},
                       ctx);
    AffineMap wMap =
        AffineMap::get(loops, 0,
                       {d(1), depthwise ? getAffineConstantExpr(0, ctx) : d(4),
                        d(kh), d(kh + 1)},
                       ctx);
    AffineMap yMap = AffineMap::get(loops, 0, {d(0), d(1), d(2), d(3)}, ctx);
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    iterators.append(loops - 4, utils::IteratorType::reduction);
    auto contraction = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{accType}, ValueRange{x, adaptor.getW()}, ValueRange{acc},
        ArrayRef<AffineMap>{xMap, wMap, yMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          contractionBody(b, l, args, signedInput, zp);
        });
    contraction->setAttr(
        fused::kQContractionAttr,
        contractionTag(
            rewriter, depthwise ? "dwconv" : "conv", signedInput, zp,
            {rewriter.getNamedAttr("strides",
                                   rewriter.getDenseI64ArrayAttr(strides)),
             rewriter.getNamedAttr("dilations",
                                   rewriter.getDenseI64ArrayAttr(dilations))}));
    rewriter.replaceOp(op,
                       requantize(rewriter, loc, op, contraction.getResult(0),
                                  adaptor.getB(), resultType, 1, f));
    return success();
  }
};

struct QGemmLowering : public OpConversionPattern<fused::QGemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::QGemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto aType = cast<RankedTensorType>(op.getA().getType());
    auto wType = cast<RankedTensorType>(op.getW().getType());
    bool signedInput = !aType.getElementType().isUnsignedInteger();
    int64_t zp = op.getXZeroPoint(), rank = aType.getRank();
    int64_t n = wType.getDimSize(0);
    auto accType = resultType.clone(rewriter.getI32Type());
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (accType.isDynamicDim(d))
        dynamicSizes.push_back(
            rewriter.create<tensor::DimOp>(loc, adaptor.getA(), d));
    Value acc = createFilled(rewriter, loc, accType, dynamicSizes, 0.0);
    // Loops: the result's dimensions (..., m, n), then k.
    SmallVector<AffineExpr> aExprs, yExprs;
    for (int64_t d = 0; d < rank; ++d)
      yExprs.push_back(getAffineDimExpr(d, ctx));
    for (int64_t d = 0; d + 1 < rank; ++d)
      aExprs.push_back(getAffineDimExpr(d, ctx));
    aExprs.push_back(getAffineDimExpr(rank, ctx));
    AffineMap aMap = AffineMap::get(rank + 1, 0, aExprs, ctx);
    AffineMap wMap = AffineMap::get(
        rank + 1, 0,
        {getAffineDimExpr(rank - 1, ctx), getAffineDimExpr(rank, ctx)}, ctx);
    AffineMap yMap = AffineMap::get(rank + 1, 0, yExprs, ctx);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto contraction = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{accType}, ValueRange{adaptor.getA(), adaptor.getW()},
        ValueRange{acc}, ArrayRef<AffineMap>{aMap, wMap, yMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          contractionBody(b, l, args, signedInput, zp);
        });
    contraction->setAttr(fused::kQContractionAttr,
                         contractionTag(rewriter, "gemm", signedInput, zp));
    rewriter.replaceOp(op,
                       requantize(rewriter, loc, op, contraction.getResult(0),
                                  adaptor.getB(), resultType, rank - 1, n));
    return success();
  }
};

} // namespace

void populateQuantizedPatterns(const TypeConverter &tc,
                               RewritePatternSet &patterns) {
  patterns.add<QConvLowering, QGemmLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
